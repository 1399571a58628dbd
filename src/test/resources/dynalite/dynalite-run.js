// Runs dynalite's command line so that a client abandoning a request does not stop the server.
// dynalite 4.0.0 rethrows every request's 'error' event (index.js: req.on('error', function (err) { throw err })),
// so one client that gives up on a request kills the process: the service's AWS SDK does exactly that when a store
// call times out, as some do under 10,000 connections, and the benchmark's DynamoDB column then read 503s only.
// The tests (dev.configservice.dynalite.Dynalite) and gatling/bench/run.sh both start dynalite through this file.
//
//   node dynalite-run.js <path to dynalite/cli.js> [dynalite options]
const cli = process.argv[2];
process.on('uncaughtException', (err) => {
  if (err && (err.code === 'ECONNRESET' || err.message === 'aborted')) {
    console.error(`dynalite: a client abandoned a request (${err.message}); still serving`);
    return;
  }
  console.error(err);
  process.exit(1);
});
process.argv.splice(2, 1); // dynalite's own options where its command line reads them (argv.slice(2))
require(require('path').resolve(cli));
