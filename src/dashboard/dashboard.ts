// The page's controller: keeps the run list and the selected run in step with the server (HTTP for
// snapshots, the narrative socket for everything after), and turns clicks into API calls.

import { getRunChannel } from '../events/channels.js';
import type { MiaEvent } from '../events/types.js';
import { ALL_RUNS_CHANNEL, type ApproveRequest, type RunListItem } from '../server/protocol.js';
import { formatProgress } from '../view/format.js';
import { createApi, type DashboardApi } from './api.js';
import { chooseStep } from './chart-order.js';
import { LogFileFollower } from './log-files.js';
import { PageAccess } from './page-access.js';
import { askRejectReason } from './reject-dialog.js';
import { renderHistory } from './render-history.js';
import { renderNoRun, renderRun } from './render-run.js';
import { REFETCH_EVENT_TYPES, RunView } from './run-view.js';
import { type ConnectionState, NarrativeSocket } from './socket.js';
import { showConnection, showNotice } from './status.js';

export class Dashboard {
  readonly #api: DashboardApi;
  readonly #socket: NarrativeSocket;
  readonly #logFiles: LogFileFollower;
  #runs: RunListItem[] = [];
  #view: RunView | null = null;
  /** Until the reader picks a run, the newest run is shown, and a new run takes its place. */
  #isFollowingLatest = true;
  #pickedStepId: string | null = null;
  /** The reader asked to see every step not started yet. */
  #isPendingShown = false;
  readonly #answeringSteps = new Set<string>();
  #resumingRunId: string | null = null;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #isRenderScheduled = false;
  readonly #access: PageAccess;

  constructor(token: string | null) {
    this.#access = new PageAccess(token !== null, () => this.#socket.stop());
    this.#api = createApi(token);
    this.#logFiles = new LogFileFollower(this.#api, () => this.#scheduleRender());
    this.#socket = new NarrativeSocket(token, {
      onEvent: (event) => this.#handleEvent(event),
      onState: (state) => this.#handleConnection(state),
      onLive: () => void this.#loadRuns(),
      onServerError: (message) => showNotice(`The live feed reported: ${message}`),
    });
  }

  /** Wires the page and starts following the workspace's runs. */
  start(): void {
    document.addEventListener('click', (event) => this.#handleClick(event));
    window.addEventListener('resize', () => this.#scheduleRender());
    const fromHash = /^#run=(.+)$/.exec(window.location.hash)?.[1];
    if (fromHash) this.#selectRun(decodeURIComponent(fromHash), true);
    this.#socket.subscribe(ALL_RUNS_CHANNEL);
    this.#socket.connect();
    void this.#loadRuns();
  }

  #handleClick(event: MouseEvent): void {
    const target = (event.target as Element).closest<HTMLElement>('[data-action], #resume');
    if (!target) return;
    const stepId = target.dataset.step;
    if (target.id === 'resume' || target.dataset.action === 'resume') void this.#resume();
    else if (target.dataset.action === 'toggle-pending') {
      this.#isPendingShown = true;
      this.#scheduleRender();
    } else if (target.dataset.action === 'select-run' && target.dataset.run)
      this.#selectRun(target.dataset.run, true);
    else if (target.dataset.action === 'select-step' && stepId) this.#selectStep(stepId);
    else if (target.dataset.action === 'approve' && stepId) void this.#answer(stepId, {});
    else if (target.dataset.action === 'reject' && stepId) void this.#reject(stepId);
  }

  #handleConnection(state: ConnectionState): void {
    showConnection(state);
    if (state === 'refused') this.#access.refuse();
  }

  async #loadRuns(): Promise<void> {
    const runs = await this.#access.call(() => this.#api.listRuns(), 'load the runs');
    if (!runs) return;
    this.#access.hasRead = true;
    this.#runs = runs;
    if (this.#isFollowingLatest) {
      const newest = runs
        .filter((run) => !run.parent)
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
      if (newest) this.#selectRun(newest.runId, false);
    }
    this.#scheduleRender();
  }

  #selectRun(runId: string, isPicked: boolean): void {
    if (isPicked) this.#isFollowingLatest = false;
    if (this.#view?.runId === runId) return;
    if (this.#view) this.#socket.unsubscribe(getRunChannel(this.#view.runId));
    const view = new RunView(runId);
    this.#view = view;
    this.#pickedStepId = null;
    this.#isPendingShown = false;
    this.#answeringSteps.clear();
    window.history.replaceState(window.history.state, '', `#run=${encodeURIComponent(runId)}`);
    this.#socket.subscribe(getRunChannel(runId), () => view.lastSeq);
    void this.#fetchRun(view);
    this.#scheduleRender();
  }

  #selectStep(stepId: string): void {
    this.#pickedStepId = stepId;
    this.#scheduleRender();
  }

  async #fetchRun(view: RunView): Promise<void> {
    view.needsRefetch = false;
    const detail = await this.#access.call(
      () => this.#api.getRun(view.runId),
      `load run ${view.runId}`,
    );
    if (!detail || this.#view !== view) return;
    view.setSnapshot(detail);
    this.#scheduleRender();
  }

  #handleEvent(event: MiaEvent): void {
    const listed = this.#runs.find((run) => run.runId === event.runId);
    if (!listed || REFETCH_EVENT_TYPES.has(event.type))
      this.#debounce('runs', 200, () => void this.#loadRuns());
    // Another run's row moves with its progress (the selected run's row is its own view).
    if (listed && event.type === 'chart.progress') {
      listed.completed = event.payload.completedSteps;
      listed.total = event.payload.totalSteps;
    }
    const view = this.#view;
    if (view && event.runId === view.runId) {
      if (view.accept(event) === 'gap') {
        this.#debounce('gap', 1000, () => {
          if (view === this.#view && view.hasGap)
            this.#socket.replay(getRunChannel(view.runId), view.lastSeq);
        });
      }
      if (view.needsRefetch) this.#debounce('run', 100, () => void this.#fetchRun(view));
    }
    this.#scheduleRender();
  }

  async #answer(stepId: string, answer: ApproveRequest): Promise<void> {
    const view = this.#view;
    if (!view) return;
    this.#answeringSteps.add(stepId);
    this.#scheduleRender();
    const verb = answer.reject ? 'reject' : 'approve';
    const done = await this.#access.call(
      () => this.#api.answerGate(view.runId, stepId, answer),
      `${verb} ${stepId}`,
    );
    if (done === undefined) this.#answeringSteps.delete(stepId);
    this.#scheduleRender();
  }

  async #reject(stepId: string): Promise<void> {
    const reason = await askRejectReason(stepId);
    if (reason !== null) await this.#answer(stepId, { reject: true, reason });
  }

  async #resume(): Promise<void> {
    const view = this.#view;
    if (!view) return;
    this.#resumingRunId = view.runId;
    this.#scheduleRender();
    const done = await this.#access.call(
      () => this.#api.resumeRun(view.runId),
      `resume run ${view.runId}`,
    );
    if (done === undefined) this.#resumingRunId = null;
    this.#scheduleRender();
  }

  #debounce(name: string, ms: number, action: () => void): void {
    clearTimeout(this.#timers.get(name));
    this.#timers.set(name, setTimeout(action, ms));
  }

  #scheduleRender(): void {
    if (this.#isRenderScheduled) return;
    this.#isRenderScheduled = true;
    requestAnimationFrame(() => {
      this.#isRenderScheduled = false;
      this.#render();
    });
  }

  #render(): void {
    if (this.#access.isRefused) return;
    const view = this.#view;
    const run = view?.live;
    renderHistory(
      document.getElementById('run-list')!,
      document.getElementById('run-list-empty')!,
      // The selected run's row is the run as the page follows it, by the same run view.
      run ? this.#runs.map((listed) => (listed.runId === run.runId ? run : listed)) : this.#runs,
      view?.runId ?? null,
    );
    if (!view || !run) {
      renderNoRun();
      return;
    }
    // Answers are keyed by gate path: a step's id, or `<step>/<gate>` inside its chapter.
    for (const path of this.#answeringSteps) {
      const isOpen = run.steps.some(
        (step) =>
          step.status === 'waiting' &&
          (step.id === path || step.gates.some((gate) => gate.path === path)),
      );
      if (!isOpen) this.#answeringSteps.delete(path);
    }
    if (this.#resumingRunId === run.runId && run.status === 'running') this.#resumingRunId = null;
    const isPickedKnown = run.steps.some((step) => step.id === this.#pickedStepId);
    const selectedStepId = isPickedKnown ? this.#pickedStepId : chooseStep(run);
    renderRun({
      view,
      run,
      selectedStepId,
      answeringSteps: this.#answeringSteps,
      isResuming: this.#resumingRunId === run.runId,
      isPendingShown: this.#isPendingShown,
    });
    this.#logFiles.follow(
      view,
      run.steps.find((step) => step.id === selectedStepId),
    );
    document.title = `mia · ${run.workflow} · STC ${formatProgress(run)}`;
  }
}
