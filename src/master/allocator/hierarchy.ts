import { Resources } from '../../domain/resources.js';
import { DrfSorter, drfVector } from './sorter.js';
import { rolePath } from './roles.js';

// The role tree of hierarchical DRF (Mesos HierarchicalAllocatorProcess with nested roles):
// every role node sorts its children by weighted dominant share of their whole subtree;
// frameworks subscribed to a role sit in that role's own framework sorter, which competes
// with the node's child roles as the pseudo-child SELF.

const SELF = '\u0000self';

interface RoleNode {
  role: string;
  children: DrfSorter;
  childNodes: Map<string, RoleNode>;
  frameworks: DrfSorter | null;
}

export interface Placement {
  role: string;
  frameworkId: string;
}

export class RoleTree {
  private readonly root: RoleNode;

  constructor(
    private readonly total: Resources,
    private readonly weights: ReadonlyMap<string, number>,
  ) {
    this.root = this.node('');
  }

  /** A framework in `role` with what it already holds in that role. */
  addFramework(role: string, frameworkId: string, allocated: Resources): void {
    const path = rolePath(role);
    let parent = this.root;
    for (const r of path) {
      let child = parent.childNodes.get(r);
      if (!child) {
        child = this.node(r);
        parent.childNodes.set(r, child);
        parent.children.add(r, Resources.empty(), this.weights.get(r) ?? 1);
      }
      parent.children.allocate(r, allocated);
      parent = child;
    }
    if (!parent.frameworks) {
      parent.frameworks = new DrfSorter(this.total);
      parent.children.add(SELF, Resources.empty());
    }
    parent.children.allocate(SELF, allocated);
    parent.frameworks.add(frameworkId, allocated);
  }

  /** Records an allocation: the framework's and every ancestor's share grow. */
  allocate(role: string, frameworkId: string, r: Resources): void {
    const amounts = drfVector(r);
    let node = this.root;
    for (const step of this.pathOf(role)) {
      node.children.allocateVector(step, amounts);
      node = node.childNodes.get(step)!;
    }
    node.children.allocateVector(SELF, amounts);
    node.frameworks?.allocateVector(frameworkId, amounts);
  }

  private readonly paths = new Map<string, readonly string[]>();
  private pathOf(role: string): readonly string[] {
    let p = this.paths.get(role);
    if (!p) {
      p = rolePath(role);
      this.paths.set(role, p);
    }
    return p;
  }

  /**
   * Visits (role, framework) pairs in hierarchical DRF order until `visit` returns true
   * (stop); a role for which `enter` says false is skipped with all its frameworks (nothing
   * on this agent for it), which keeps a cycle linear in agents, not agents x frameworks.
   * The order is taken at each node when it is reached, as Mesos sorts once per agent.
   */
  walk(enter: (role: string) => boolean, visit: (p: Placement) => boolean): void {
    this.walkNode(this.root, enter, visit);
  }

  private walkNode(node: RoleNode, enter: (role: string) => boolean, visit: (p: Placement) => boolean): boolean {
    for (const child of node.children.sorted()) {
      if (child.name === SELF) {
        if (!enter(node.role)) continue;
        for (const fw of node.frameworks!.sorted()) {
          if (visit({ role: node.role, frameworkId: fw.name })) return true;
          if (!enter(node.role)) break;
        }
      } else if (this.walkNode(node.childNodes.get(child.name)!, enter, visit)) {
        return true;
      }
    }
    return false;
  }

  private node(role: string): RoleNode {
    return { role, children: new DrfSorter(this.total), childNodes: new Map(), frameworks: null };
  }
}
