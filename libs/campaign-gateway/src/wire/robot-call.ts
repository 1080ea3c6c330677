/** The contract's three calls; each is `POST {baseUrl}/{call}`. */
export enum RobotCall {
  Add = 'robot_call_campaign_add',
  Detail = 'robot_call_campaign_detail',
  ChangeStatus = 'robot_call_campaign_change_status',
}
