// Starts kinesalite on 127.0.0.1 (its CLI listens on every interface) on the port given, or
// a free one; prints "kinesalite listening on 127.0.0.1:<port>" when ready.
const kinesalite = require("kinesalite");
const port = +(process.argv[2] || 0);
const server = kinesalite({ createStreamMs: 20, deleteStreamMs: 20, updateStreamMs: 20, shardLimit: 100 });
server.listen(port, "127.0.0.1", (err) => {
  if (err) throw err;
  console.log(`kinesalite listening on 127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
