// A kin client in Node.js: drives `kin exec` through a pipe, one JSON request line
// in and one response line out. Usage: node shop.js [path/to/kin]
const { spawn } = require("child_process");
const fs = require("fs"), os = require("os"), path = require("path"), readline = require("readline");

class Kin {
  constructor(kin, db, schema) {
    this.proc = spawn(kin, ["exec", "--db", db, "--schema", schema, "-"], { stdio: ["pipe", "pipe", "inherit"] });
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  async call(method, ...args) {
    this.proc.stdin.write(JSON.stringify({ call: method, args }) + "\n");
    const response = JSON.parse((await this.lines.next()).value);  // one line per request
    if (!response.ok) throw new Error(`${response.error.type}: ${response.error.message}`);
    return response.result;
  }
  close() {  // exit status 0 when every request succeeded, 1 when any failed
    this.proc.stdin.end();
    return new Promise((resolve) => this.proc.on("close", resolve));
  }
}

(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kin-"));
  const kin = new Kin(process.argv[2] || "kin", path.join(tmp, "shop"), path.join(__dirname, "..", "shop.json"));
  const store = await kin.call("createStores", { name: "Main Street" });
  await kin.call("createProducts", [{ title: "Shirt", price: 25, store_id: store.id },
                                    { title: "Mug", price: 8, store_id: store.id }]);
  const found = await kin.call("retrieveStore", store.id, { relations: ["products"] });
  console.log(found.name, "sells", found.products.map((p) => p.title).join(", "));
  const cheap = await kin.call("listProducts", { price: { $lt: 10 } }, { select: ["title"] });
  console.log("under 10:", cheap.map((p) => p.title));
  await kin.call("retrieveProduct", "prod_nope").catch((e) => console.log("error:", e.message));
  console.log("kin exec exited with", await kin.close());
  fs.rmSync(tmp, { recursive: true });
})();
