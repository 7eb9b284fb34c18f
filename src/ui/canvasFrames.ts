import { nextFrame, pageClock, type FrameClock } from './stagger';

/**
 * One canvas per frame. Every canvas drawn since the last frame costs that frame's commit a canvas
 * resource on the page's main thread, about 1.5-2.5 ms each for a new canvas whatever its size, and the
 * commit is one task: a view switch that built the Pipeline view's seven charts at once made a 15-30 ms
 * task of that alone, and the charts' once-a-second redraws, all in one frame, 15-19 ms (bench:ui
 * traced, docs/results.md). Canvas draws queued here run one per animation frame, in the order queued,
 * so no commit carries more than one new drawing; filling a view takes a few frames more instead. (The
 * live views' images and crops are not canvases at all: components/CropViews.tsx.)
 */
export const CANVASES_PER_FRAME = 1;

export class CanvasFrames {
  private readonly due = new Map<object, () => void>();
  private waiting = false;

  constructor(
    private readonly perFrame = CANVASES_PER_FRAME,
    private readonly clock: FrameClock = pageClock,
    // One canvas's failure must not stop the others' drawing; it is still the page's error.
    private readonly onError: (e: unknown) => void = (e) => reportError(e),
  ) {}

  /**
   * Queues `draw` (one canvas's drawing) under `key`. A draw still queued under the same key is
   * replaced in place: only the latest drawing of a canvas is worth a frame. Returns a cancel for the
   * component's cleanup, which drops the draw if it has not run.
   */
  draw(key: object, draw: () => void): () => void {
    this.due.set(key, draw);
    this.request();
    return () => {
      if (this.due.get(key) === draw) this.due.delete(key);
    };
  }

  /** How many draws wait for a frame (tests). */
  get pending(): number {
    return this.due.size;
  }

  private request(): void {
    if (this.waiting || this.due.size === 0) return;
    this.waiting = true;
    // Each frame's draws are asked for after the tasks already waiting (nextFrame): a view's canvases,
    // drawn frame after frame, would otherwise keep the page's timers and messages waiting.
    nextFrame(this.run, this.clock);
  }

  private readonly run = (): void => {
    this.waiting = false;
    let drawn = 0;
    for (const [key, draw] of this.due) {
      if (drawn >= this.perFrame) break;
      this.due.delete(key);
      drawn++;
      try {
        draw();
      } catch (e) {
        this.onError(e);
      }
    }
    this.request();
  };
}

/** The page's queue: every chart's build and redraw goes through it (components/LineChart.tsx). */
export const canvasFrames = new CanvasFrames();
