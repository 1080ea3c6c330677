import { EntityManager, EntityMetadata, EntityTarget } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { queryRows } from './query-rows';

/** A SELECT's column list for an entity and a set of its properties, written once. */
interface Prepared {
  columns: readonly ColumnMetadata[];
  head: string;
}

const prepared = new WeakMap<EntityMetadata, Map<string, Prepared>>();

function prepare(manager: EntityManager, metadata: EntityMetadata, properties?: readonly string[]): Prepared {
  let byKey = prepared.get(metadata);
  if (!byKey) prepared.set(metadata, (byKey = new Map<string, Prepared>()));
  const key = properties ? properties.join(',') : '*';
  const known = byKey.get(key);
  if (known) return known;
  const wanted = properties ? new Set(properties) : undefined;
  // As find({ select }) reads them: the named properties and the primary key, never a virtual property.
  const columns = metadata.columns.filter(
    (c) => !c.isVirtualProperty && (!wanted || wanted.has(c.propertyName) || c.isPrimary),
  );
  if (wanted)
    for (const property of wanted)
      if (!columns.some((c) => c.propertyName === property))
        throw new Error(`${metadata.name} has no column for ${property}`);
  const escape = (name: string) => manager.connection.driver.escape(name);
  const head = `SELECT ${columns.map((c) => escape(c.databaseName)).join(', ')} FROM ${escape(metadata.tablePath)}`;
  const entry = { columns, head };
  byKey.set(key, entry);
  return entry;
}

/**
 * Entities read by one raw statement, `SELECT <columns> FROM <table> <tail>`, hydrated exactly as TypeORM's
 * find hydrates them (the driver's conversion of each column's value, the entity's class): for the few reads on a
 * hot path (the callback's push: the tasks it locks, the contacts its records name), where building the query
 * through the query builder each time cost more than the statement's own work (bench/README.md, "callback").
 * The column list is written once per entity and property set; `tail` is the caller's WHERE / ORDER BY / FOR
 * UPDATE with `?` placeholders. Plain columns only (no relations, no embedded entities): what these entities have.
 */
export async function selectEntities<T extends object>(
  manager: EntityManager,
  target: EntityTarget<T>,
  tail: string,
  parameters: readonly unknown[],
  properties?: readonly (keyof T & string)[],
): Promise<T[]> {
  const metadata = manager.connection.getMetadata(target);
  const { columns, head } = prepare(manager, metadata, properties);
  const rows = await queryRows<Record<string, unknown>>(manager, `${head} ${tail}`, [...parameters]);
  const driver = manager.connection.driver;
  return rows.map((row) => {
    const entity = metadata.create(manager.queryRunner, { fromDeserializer: true }) as T;
    for (const column of columns) {
      const value = row[column.databaseName];
      if (value !== undefined) column.setEntityValue(entity, driver.prepareHydratedValue(value, column));
    }
    return entity;
  });
}
