import type { MasterContext } from './context.js';
import type { FrameworkView, MasterStateView, TaskView } from './state.js';

// What one reader may see of the master's state (the view_frameworks and view_tasks ACLs): a
// context whose frameworks and tasks are only the visible ones, for the read views (GET_STATE,
// /master/state, /master/tasks...) to render unchanged. Everything else is the master's own
// context, read through (the prototype), so nothing is copied but the filtered lists.

export interface Visibility {
  framework(fw: FrameworkView): boolean;
  /** `fw` is the task's framework (already visible). */
  task(t: TaskView, fw: FrameworkView): boolean;
}

/** The user a task runs as: its command's, else its framework's (as Mesos). */
export const taskUser = (t: TaskView, fw: FrameworkView): string => t.info.command?.user ?? fw.info.user ?? '';

function visibleFramework(fw: FrameworkView, v: Visibility): FrameworkView {
  const tasks = new Map([...fw.tasks].filter(([, t]) => v.task(t, fw)));
  const completedTasks = fw.completedTasks.filter((t) => v.task(t, fw));
  if (tasks.size === fw.tasks.size && completedTasks.length === fw.completedTasks.length) return fw;
  return { ...fw, tasks, completedTasks };
}

export function visibleContext(ctx: MasterContext, v: Visibility): MasterContext {
  const frameworks = new Map<string, FrameworkView>();
  for (const [id, fw] of ctx.state.frameworks) if (v.framework(fw)) frameworks.set(id, visibleFramework(fw, v));
  const completedFrameworks = ctx.state.completedFrameworks.filter((fw) => v.framework(fw)).map((fw) => visibleFramework(fw, v));
  const state: MasterStateView = { ...ctx.state, frameworks, completedFrameworks };
  return Object.create(ctx, { state: { value: state, enumerable: true } }) as MasterContext;
}
