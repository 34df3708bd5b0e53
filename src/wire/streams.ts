// Typed RecordIO streams: what goes on them is encoded by the wire layer, nothing else.
import { EventStream } from '../lib/event-stream.js';
import { encode } from './codec.js';
import { Event } from './scheduler.js';
import { AgentEvent } from './agent-channel.js';
import { OperatorEvent } from './operator.js';

export type SchedulerStream = EventStream<Event>;
export type AgentStream = EventStream<AgentEvent>;
export type OperatorStream = EventStream<OperatorEvent>;

export const schedulerStream = (): SchedulerStream => new EventStream<Event>((e) => encode(Event, e));
export const agentStream = (): AgentStream => new EventStream<AgentEvent>((e) => encode(AgentEvent, e));
export const operatorStream = (): OperatorStream => new EventStream<OperatorEvent>((e) => encode(OperatorEvent, e));
