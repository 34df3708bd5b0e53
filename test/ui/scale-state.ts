// A synthetic /master/state of N agents and M tasks (Mesos legacy shape) for the UI's scale test:
// the page code is the real one, only the document is made up.

export function syntheticState(agents: number, tasks: number, leaderPort: number): Record<string, unknown> {
  const slaves = Array.from({ length: agents }, (_, i) => ({
    id: `agent-${i}`, hostname: `host-${String(i).padStart(4, '0')}`, port: 5051, pid: `slave(1)@127.0.0.1:${5051}`,
    attributes: { rack: `r${i % 40}` }, registered_time: 1_700_000_000, resources: { cpus: 16, mem: 65536, disk: 1_000_000, gpus: 0 },
    used_resources: { cpus: 4, mem: 8192, disk: 0, gpus: 0 }, offered_resources: {}, active: true, deactivated: false, version: '1.11.0',
  }));
  const fwTasks = Array.from({ length: tasks }, (_, i) => ({
    id: `task-${String(i).padStart(5, '0')}`, name: `web-${i % 100}`, framework_id: 'fw-1', executor_id: '', slave_id: `agent-${i % agents}`,
    state: i % 10 === 0 ? 'TASK_STAGING' : 'TASK_RUNNING', resources: { cpus: 0.1, mem: 32 }, role: '*',
    statuses: [{ state: 'TASK_RUNNING', timestamp: 1_700_000_100 }],
  }));
  return {
    version: '1.11.0', tsmesos_version: 'scale-test', start_time: 1_700_000_000, id: 'm', pid: `master@127.0.0.1:${leaderPort}`, hostname: 'vm',
    leader: `master@127.0.0.1:${leaderPort}`, leader_info: { hostname: 'vm', port: leaderPort },
    activated_slaves: agents, deactivated_slaves: 0, unreachable_slaves: 0, slaves, recovered_slaves: [],
    frameworks: [{
      id: 'fw-1', name: 'scale', user: 'root', role: '*', hostname: '', webui_url: '', capabilities: [], active: true, connected: true, recovered: false,
      registered_time: 1_700_000_000, unregistered_time: 0, used_resources: {}, offered_resources: {}, tasks: fwTasks, completed_tasks: [], offers: [],
    }],
    completed_frameworks: [],
  };
}
