// A batch job's rate and time left: the API's own figures for the last stage (index) when it
// has them, else measured here from successive polls of the job.

export function rateTracker() {
  let first = null;
  // Files per second, or null while nothing measurable has happened.
  return function observe(job, nowMs = Date.now()) {
    const indexStage = (job.stages || []).find((stage) => stage.stage === "index");
    if (indexStage && indexStage.rate_per_s) return indexStage.rate_per_s;
    if (first === null) {
      first = { at: nowMs, done: job.done };
      return null;
    }
    const seconds = (nowMs - first.at) / 1000;
    return seconds > 0 && job.done > first.done ? (job.done - first.done) / seconds : null;
  };
}

export function etaSeconds(job, ratePerS) {
  if (!ratePerS || job.total === null || job.total === undefined) return null;
  return Math.max(job.total - job.done, 0) / ratePerS;
}

export function formatRate(ratePerS) {
  const perMinute = ratePerS * 60;
  return `${perMinute >= 10 ? perMinute.toFixed(0) : perMinute.toFixed(1)} files/min`;
}

export function formatDuration(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const hours = Math.floor(seconds / 3600);
  return `${hours} h ${Math.round((seconds - hours * 3600) / 60)} min`;
}
