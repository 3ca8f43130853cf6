// Starts dynalite (DynamoDB in memory) on 127.0.0.1 on the port given, or a free one; prints
// "dynalite listening on 127.0.0.1:<port>" when ready. Tables become ACTIVE after 20 ms.
const dynalite = require("dynalite");
const port = +(process.argv[2] || 0);
const server = dynalite({ createTableMs: 20, deleteTableMs: 20, updateTableMs: 20 });
server.listen(port, "127.0.0.1", (err) => {
  if (err) throw err;
  console.log(`dynalite listening on 127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
