// include/mesos/v1/scheduler/scheduler.proto: the scheduler API's Call and Event.
import type { z } from 'zod';
import { bytes, double, enumOf, int32, message, opt, rep, req, str } from './codec.js';
import {
  AgentID, ExecutorID, Filters, FrameworkID, FrameworkInfo, InverseOffer, KillPolicy, MasterInfo, Offer, OfferID, OfferOperation,
  OperationID, ResourceProviderID, TaskID, TaskStatus,
} from './mesos.js';

export const CALL_TYPES = [
  'UNKNOWN', 'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS', 'REVIVE',
  'KILL', 'SHUTDOWN', 'ACKNOWLEDGE', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE', 'RECONCILE_OPERATIONS', 'MESSAGE',
  'REQUEST', 'SUPPRESS', 'UPDATE_FRAMEWORK',
] as const;
export type CallType = (typeof CALL_TYPES)[number];

const roles = rep(str(256), 128);
const subscribeShape = { framework_info: req(FrameworkInfo), suppressed_roles: roles };

export const Call = message({
  framework_id: opt(FrameworkID),
  type: req(enumOf(CALL_TYPES)),
  subscribe: opt(message(subscribeShape)),
  accept: opt(message({ offer_ids: rep(OfferID, 1000), operations: rep(OfferOperation, 1000), filters: opt(Filters) })),
  decline: opt(message({ offer_ids: rep(OfferID, 1000), filters: opt(Filters) })),
  accept_inverse_offers: opt(message({ inverse_offer_ids: rep(OfferID, 1000), filters: opt(Filters) })),
  decline_inverse_offers: opt(message({ inverse_offer_ids: rep(OfferID, 1000), filters: opt(Filters) })),
  revive: opt(message({ roles })),
  suppress: opt(message({ roles })),
  kill: opt(message({ task_id: req(TaskID), agent_id: opt(AgentID), kill_policy: opt(KillPolicy) })),
  shutdown: opt(message({ executor_id: req(ExecutorID), agent_id: req(AgentID) })),
  acknowledge: opt(message({ agent_id: req(AgentID), task_id: req(TaskID), uuid: req(bytes(64)) })),
  acknowledge_operation_status: opt(message({
    agent_id: opt(AgentID), resource_provider_id: opt(ResourceProviderID), uuid: req(bytes(64)), operation_id: req(OperationID),
  })),
  reconcile: opt(message({ tasks: rep(message({ task_id: req(TaskID), agent_id: opt(AgentID) }), 100_000) })),
  reconcile_operations: opt(message({
    operations: rep(message({ operation_id: req(OperationID), agent_id: opt(AgentID), resource_provider_id: opt(ResourceProviderID) }), 100_000),
  })),
  message: opt(message({ agent_id: req(AgentID), executor_id: req(ExecutorID), data: req(bytes()) })),
  request: opt(message({})),
  update_framework: opt(message(subscribeShape)),
});
export type Call = z.output<typeof Call>;

export const EVENT_TYPES = [
  'UNKNOWN', 'SUBSCRIBED', 'OFFERS', 'INVERSE_OFFERS', 'RESCIND', 'RESCIND_INVERSE_OFFER', 'UPDATE',
  'UPDATE_OPERATION_STATUS', 'MESSAGE', 'FAILURE', 'ERROR', 'HEARTBEAT',
] as const;

export const Event = message({
  type: req(enumOf(EVENT_TYPES)),
  subscribed: opt(message({ framework_id: req(FrameworkID), heartbeat_interval_seconds: opt(double()), master_info: opt(MasterInfo) })),
  offers: opt(message({ offers: rep(Offer, 100_000) })),
  inverse_offers: opt(message({ inverse_offers: rep(InverseOffer, 100_000) })),
  rescind: opt(message({ offer_id: req(OfferID) })),
  rescind_inverse_offer: opt(message({ inverse_offer_id: req(OfferID) })),
  update: opt(message({ status: req(TaskStatus) })),
  message: opt(message({ agent_id: req(AgentID), executor_id: req(ExecutorID), data: req(bytes()) })),
  failure: opt(message({ agent_id: opt(AgentID), executor_id: opt(ExecutorID), status: opt(int32()) })),
  error: opt(message({ message: req(str(64 * 1024)) })),
});
export type Event = z.output<typeof Event>;
