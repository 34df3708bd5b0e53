// Compact, stable text renderings of messages and entries for golden transcripts.
import { decodeConfChange } from '../../../src/consensus/core/conf.js';
import type { Entry, Message } from '../../../src/consensus/core/types.js';

const decoder = new TextDecoder();

export function formatEntry(e: Entry): string {
  if (e.type === 'noop') return `${e.index}/${e.term} noop`;
  if (e.type === 'confChange') {
    const { change, after } = decodeConfChange(e);
    const what = change ? `${change.type} ${change.node}` : 'bootstrap';
    return `${e.index}/${e.term} conf(${what} -> voters=${after.voters.join(',')} learners=${after.learners.join(',')})`;
  }
  return `${e.index}/${e.term} ${JSON.stringify(decoder.decode(e.data))}`;
}

export function formatMessage(m: Message): string {
  const parts = [`${m.from}->${m.to}`, m.type, `term=${m.term}`];
  switch (m.type) {
    case 'append':
      parts.push(`prev=${m.index}/${m.logTerm}`, `commit=${m.commit}`);
      if (m.entries.length > 0) parts.push(`entries=[${m.entries.map(formatEntry).join(', ')}]`);
      break;
    case 'appendResp':
      parts.push(m.reject ? `reject index=${m.index} hint=${m.rejectHint}/${m.logTerm}` : `index=${m.index}`);
      break;
    case 'vote':
    case 'preVote':
      parts.push(`last=${m.index}/${m.logTerm}`);
      break;
    case 'voteResp':
    case 'preVoteResp':
      parts.push(m.reject ? 'reject' : 'grant');
      break;
    case 'heartbeat':
      parts.push(`commit=${m.commit}`);
      break;
    case 'snapshot':
      parts.push(`snapshot=${m.snapshot?.index}/${m.snapshot?.term} voters=${m.snapshot?.confState.voters.join(',')}`);
      break;
    default:
      break;
  }
  if (m.context) parts.push(`ctx=${m.context}`);
  return parts.join(' ');
}
