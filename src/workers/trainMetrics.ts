/**
 * A run's metrics and history as the steps go by: throughput over a sliding window, training top-1
 * over the recent steps, and the entries the UI charts and the run's stored history are made of.
 */
import type { Pass } from '../core/schedule';
import type { RunHistoryEntry } from '../store';
import type { MemoryInfo, TrainMetrics } from './api';

/** Throughput is measured over about this long a stretch of recent steps. */
const WINDOW_MS = 5000;
/** Training top-1 is the mean of this many recent steps. */
const TOP1_STEPS = 20;

/** Fractional epoch reached at the end of a step (a multi-crop step covers cropsPerImage epochs' share). */
export function epochAfter(pass: Pass, stepInPass: number): number {
  return pass.epoch + (pass.cropsPerImage * (stepInPass + 1)) / pass.steps;
}

export class TrainMeter {
  private window: { t: number; crops: number; images: number }[] = [];
  private recentTop1: number[] = [];
  /** Images skipped (undecodable, no label record) since the run (re)started. */
  skipped = 0;

  /** A step that was submitted at `now` (ms); its top-1 joins the average when read back. */
  step(
    out: { crops: number; images: number; skipped: unknown[]; trainTop1: Promise<number> },
    now: number,
  ): void {
    this.skipped += out.skipped.length;
    void out.trainTop1
      .then((t) => {
        this.recentTop1.push(t);
        if (this.recentTop1.length > TOP1_STEPS) this.recentTop1.shift();
      })
      .catch(() => undefined); // the loss readback of the same step reports the failure
    this.window.push({ t: now, crops: out.crops, images: out.images });
    while (this.window.length > 2 && now - this.window[0].t > WINDOW_MS) this.window.shift();
  }

  get trainTop1(): number {
    return this.recentTop1.reduce((a, b) => a + b, 0) / Math.max(1, this.recentTop1.length);
  }

  /** Crops and images per second over the window: the work of the steps after its first, over its span. */
  rates(): { cropsPerSec: number; imagesPerSec: number } {
    const w = this.window;
    if (w.length === 0) return { cropsPerSec: 0, imagesPerSec: 0 };
    const dt = (w[w.length - 1].t - w[0].t) / 1000;
    const crops = w.slice(1).reduce((a, s) => a + s.crops, 0);
    const images = w.slice(1).reduce((a, s) => a + s.images, 0);
    return { cropsPerSec: dt > 0 ? crops / dt : 0, imagesPerSec: dt > 0 ? images / dt : 0 };
  }

  /** Steps per second over the window (data loading and readbacks included: what the ETAs divide by). */
  stepsPerSec(): number {
    const w = this.window;
    const dt = w.length > 1 ? (w[w.length - 1].t - w[0].t) / 1000 : 0;
    return dt > 0 ? (w.length - 1) / dt : 0;
  }

  /**
   * Seconds to the end of this pass and of the run (its step limit or time budget when sooner), at the
   * window's measured step rate; undefined before there is a rate.
   */
  etas(
    at: { step: number; pass: Pass; stepInPass: number },
    limits: { endStep: number; secondsLeft?: number },
  ): { passEtaSec?: number; runEtaSec?: number } {
    const rate = this.stepsPerSec();
    if (!(rate > 0)) return {};
    const passLeft = Math.max(0, at.pass.steps - at.stepInPass - 1);
    let runEtaSec = Math.max(0, limits.endStep - at.step) / rate;
    if (limits.secondsLeft !== undefined) runEtaSec = Math.min(runEtaSec, Math.max(0, limits.secondsLeft));
    return { passEtaSec: passLeft / rate, runEtaSec };
  }

  metrics(
    at: { step: number; totalSteps: number; pass: Pass; stepInPass: number; loss: number; lr: number },
    device: { backend: string; memory: MemoryInfo },
    limits: { endStep: number; secondsLeft?: number } = { endStep: at.totalSteps },
  ): TrainMetrics {
    return {
      ...this.etas(at, limits),
      endStep: limits.endStep,
      step: at.step,
      totalSteps: at.totalSteps,
      epoch: epochAfter(at.pass, at.stepInPass),
      pass: at.pass.index,
      loss: at.loss,
      trainTop1: this.trainTop1,
      lr: at.lr,
      ...this.rates(),
      ...device,
      skipped: this.skipped,
    };
  }

  history(at: { step: number; pass: Pass; loss: number; lr: number }, time: number): RunHistoryEntry {
    return {
      step: at.step,
      epoch: at.pass.epoch,
      loss: at.loss,
      trainTop1: this.trainTop1,
      lr: at.lr,
      cropsPerSec: this.rates().cropsPerSec,
      time,
    };
  }
}
