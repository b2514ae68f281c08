// Preloaded into a child process (`node -r peakRss.cjs …`): prints the process's own peak resident set size
// (getrusage's ru_maxrss, in KiB) on stderr as it exits, for tests that bound a command's memory.
process.on('exit', () => {
  process.stderr.write(`peak-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
