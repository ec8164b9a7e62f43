// The process tree of one command, read from /proc (Linux): which processes belong to it, how much
// memory they hold, and killing every one of them.
//
// Membership: the command (the root, started in a session of its own), every process found below
// a member through /proc/<pid>/task/<tid>/children, and — at kill time, from one scan of all of
// /proc — every process still in the root's session or process group, every descendant of a
// member, and, in the sandbox, every process in its network namespace. The last one catches a
// daemon that left the session and lost its parent: it cannot leave the namespace. Processes are
// known by pid *and* start time, so a reused pid is never mistaken for a member. Before the kill,
// the tree is frozen (SIGSTOP) while it is searched, so no parent dies and orphans a child first.
//
// Memory: each sample adds up VmRSS over the live members (the tree's resident memory at that
// moment) and reads each member's VmHWM (its own peak, even between samples). The peak reported is
// the larger of the largest sum and the largest single VmHWM. Both are lower bounds: a spike shorter
// than the sampling interval is seen only through the VmHWM of a process still alive at the next
// sample, and pages shared between processes (after fork) count once per process.
//
// Without /proc (macOS, where only `--no-sandbox` runs) nothing is measured (peak null), and the
// kill is the process group's alone.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const SAMPLE_INTERVAL_MS = 25;

interface ProcStat {
  ppid: number;
  pgrp: number;
  session: number;
  /** One letter: R, S, D, Z (zombie), X (dead), … */
  state: string;
  /** Clock ticks after boot: with the pid, identifies the process for good. */
  startTime: string;
}

/** /proc/<pid>/stat, or undefined once the process is gone. */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses, which may itself hold spaces and ')': the fixed
  // fields start after the last ')'. From there, index 0 is field 3 (state).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, ppid, pgrp, session] = fields;
  const startTime = fields[19];
  if (state === undefined || startTime === undefined) return undefined;
  return { state, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session), startTime };
}

/** Whether pid is still the process that started at `startTime` and has not exited (a zombie has). */
function isAlive(pid: number, startTime: string): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/** Resident memory now and at its peak (VmRSS, VmHWM) in bytes; zeros for a zombie. */
function readMemory(pid: number): { rss: number; hwm: number } {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return { rss: 0, hwm: 0 };
  }
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

const HAS_PROC = existsSync('/proc/self/stat');
/** Kernels without CONFIG_PROC_CHILDREN have no children files: every sample then scans /proc. */
const HAS_CHILDREN_FILES = existsSync('/proc/thread-self/children');

/** The children of every thread of pid (a child's parent is the thread that forked it). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const tid of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ')) {
        if (child !== '') children.push(Number(child));
      }
    } catch {
      // The thread ended meanwhile.
    }
  }
  return children;
}

function allProcesses(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    // Out of file descriptors, say: the members already known are still killed.
    return stats;
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  return stats;
}

function netnsOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

/** Signals pid (a negative pid: the process group); a process already gone is no error. */
function signal(pid: number, name: 'SIGKILL' | 'SIGSTOP'): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already (ESRCH).
  }
}

export interface ProcessTreeOptions {
  /** The sandbox's network namespace (`net:[inode]`): every process in it belongs to the tree. */
  netns?: string;
  /** Processes that never belong to the tree (the sandbox's namespace holder). */
  exclude?: readonly number[];
}

export class ProcessTree {
  /** Live members by pid → start time; a member found dead is dropped. */
  readonly #members = new Map<number, string>();
  readonly #exclude: Set<number>;
  #peakTotal = 0;
  #peakSingle = 0;
  #seen = 0;

  /** `root` must have been started in a session of its own (setsid): its pid is its session and group id. */
  constructor(
    readonly root: number,
    private readonly options: ProcessTreeOptions = {},
  ) {
    this.#exclude = new Set([process.pid, ...(options.exclude ?? [])]);
    const stat = readStat(root);
    if (stat) this.#add(root, stat.startTime);
  }

  /** Peak resident memory of the tree in bytes (see the file comment for the method and its limits); null without /proc. */
  get peakRssBytes(): number | null {
    return HAS_PROC ? Math.max(this.#peakTotal, this.#peakSingle) : null;
  }

  /** Finds new members and measures the memory of every live one. */
  sample(): void {
    if (!HAS_PROC) return;
    this.#discover(HAS_CHILDREN_FILES ? undefined : allProcesses());
    let total = 0;
    for (const [pid, startTime] of this.#members) {
      if (!isAlive(pid, startTime)) {
        this.#members.delete(pid);
        continue;
      }
      const { rss, hwm } = readMemory(pid);
      total += rss;
      this.#peakSingle = Math.max(this.#peakSingle, hwm, rss);
    }
    this.#peakTotal = Math.max(this.#peakTotal, total);
  }

  /**
   * Kills the root's process group and every member, until none is left alive (zombies count as
   * gone: they run nothing and hold no memory). Returns false when some process still lived after
   * `withinMs`.
   */
  async killAll(withinMs = 5000): Promise<boolean> {
    // (Pids are allocated in sequence, so the root's pid is not someone else's group within a cleanup.)
    if (!HAS_PROC) {
      signal(-this.root, 'SIGKILL');
      return true;
    }
    this.#freeze();
    const deadline = performance.now() + withinMs;
    for (;;) {
      signal(-this.root, 'SIGKILL');
      this.#discover(allProcesses());
      let alive = 0;
      for (const [pid, startTime] of this.#members) {
        if (isAlive(pid, startTime)) {
          signal(pid, 'SIGKILL');
          alive++;
        } else {
          this.#members.delete(pid);
        }
      }
      if (alive === 0) return true;
      if (performance.now() > deadline) return false;
      await sleep(10);
    }
  }

  /**
   * Stops the group and every member, scanning /proc until no new member shows up. A stopped
   * process can neither fork nor exit: killed at once, a parent would orphan a child that left
   * the session before any sample saw it, and the orphan would no longer be found below it.
   */
  #freeze(): void {
    signal(-this.root, 'SIGSTOP');
    for (let round = 0; round < 50; round++) {
      const seen = this.#seen;
      this.#discover(allProcesses());
      for (const pid of this.#members.keys()) signal(pid, 'SIGSTOP');
      if (this.#seen === seen) return;
    }
  }

  #add(pid: number, startTime: string): boolean {
    if (this.#exclude.has(pid) || this.#members.get(pid) === startTime) return false;
    this.#members.set(pid, startTime);
    this.#seen++;
    return true;
  }

  /** Adds the processes below the members; with a full scan of /proc, also the session, the group and the namespace. */
  #discover(all: Map<number, ProcStat> | undefined): void {
    if (!all) {
      const queue = [...this.#members.keys()];
      for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
        for (const child of childrenOf(pid)) {
          const stat = readStat(child);
          if (stat && this.#add(child, stat.startTime)) queue.push(child);
        }
      }
      return;
    }
    for (const [pid, stat] of all) {
      if (stat.session === this.root || stat.pgrp === this.root) this.#add(pid, stat.startTime);
      else if (this.options.netns !== undefined && !this.#exclude.has(pid) && netnsOf(pid) === this.options.netns) this.#add(pid, stat.startTime);
    }
    // Descendants of members, to a fixpoint (a scan lists parents after children as often as not).
    for (let added = true; added; ) {
      added = false;
      for (const [pid, stat] of all) {
        if (this.#members.has(stat.ppid) && this.#add(pid, stat.startTime)) added = true;
      }
    }
  }
}
