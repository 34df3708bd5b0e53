import { requireReservations } from './operator.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { TsmesosError } from '../domain/errors.js';
import { showText } from '../domain/resources.js';
import type { Leadership } from '../master/leadership.js';
import type { ReservationKind } from '../master/reservations.js';
import { decode } from '../wire/codec.js';
import { Resource } from '../wire/mesos.js';
import { readBodyText } from '../lib/http-body.js';
import { confirmedLeaderOrRedirect } from './leader-gate.js';

const MAX_BODY = 1024 * 1024;
const ResourceArray = z.array(Resource).max(1000);

const bad = (message: string): never => {
  throw new TsmesosError('BAD_REQUEST', message);
};

/** A form field holding a JSON array of v1 Resources (Mesos parses it with JSON::parse<JSON::Array>). */
function resourcesField(form: URLSearchParams, key: string): z.output<typeof ResourceArray> {
  const text = form.get(key);
  if (text === null) bad(`Missing '${key}' query parameter in the request body`);
  let json: unknown;
  try {
    json = JSON.parse(text!);
  } catch (e) {
    bad(`Error parsing '${key}' query parameter in the request body: ${showText(e instanceof Error ? e.message : String(e), 200)}`);
  }
  if (!Array.isArray(json)) bad(`Error parsing '${key}' query parameter in the request body: expected a JSON array`);
  return decode(ResourceArray, json, key);
}

/**
 * Mesos's `/master/reserve` and `/master/unreserve`: POST, form-encoded `slaveId` and
 * `resources` (a JSON array of Resource), over the same master call as RESERVE_RESOURCES /
 * UNRESERVE_RESOURCES. 202 when applied, 409 when the resources are not available, 400 for bad input.
 */
export function masterLegacyReserveApp(leadership: Leadership): Hono {
  const app = new Hono();
  for (const [name, kind] of [['reserve', 'RESERVE'], ['unreserve', 'UNRESERVE']] as [string, ReservationKind][]) {
    for (const p of [`/master/${name}`, `/${name}`]) {
      app.all(p, async (c) => {
        if (c.req.method !== 'POST') throw new TsmesosError('METHOD_NOT_ALLOWED', `${name} accepts POST only`);
        const master = await confirmedLeaderOrRedirect(c, leadership);
        if (master instanceof Response) return master;
        if (Number(c.req.header('content-length') ?? '0') > MAX_BODY) throw new TsmesosError('PAYLOAD_TOO_LARGE', `body larger than ${MAX_BODY} bytes`);
        const form = new URLSearchParams((await readBodyText(c, MAX_BODY)) ?? '');
        const agentId = form.get('slaveId');
        if (agentId === null || agentId === '') bad("Missing 'slaveId' query parameter in the request body");
        const resources = resourcesField(form, 'resources');
        if (kind === 'RESERVE' && form.has('source') && resourcesField(form, 'source').length > 0) {
          bad("changing an existing reservation ('source') is not supported; unreserve, then reserve");
        }
        requireReservations(c, kind, resources);
        await master.reservations.operate(kind, agentId!, resources);
        return c.body(null, 202);
      });
    }
  }
  return app;
}
