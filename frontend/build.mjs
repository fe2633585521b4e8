// Builds the vendored front-end into northstar/static/build (not committed):
// GOV.UK Frontend styles compiled without the GOV.UK brand (no GDS Transport font, no crown),
// its JavaScript, and Leaflet.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "northstar", "static", "build");
mkdirSync(out, { recursive: true });

const result = sass.compile(join(root, "frontend", "scss", "main.scss"), {
  style: "compressed",
  loadPaths: [join(root, "node_modules")],
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin"],
});
writeFileSync(join(out, "northstar.css"), result.css);

const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
// Source maps are copied too: the minified files name them, and the static manifest checks.
for (const file of ["govuk-frontend.min.js", "govuk-frontend.min.js.map"]) {
  cpSync(join(govuk, file), join(out, file));
}

const leaflet = join(root, "node_modules", "leaflet", "dist");
for (const file of ["leaflet.js", "leaflet.js.map"]) {
  cpSync(join(leaflet, file), join(out, "leaflet", file));
}
cpSync(join(leaflet, "leaflet.css"), join(out, "leaflet", "leaflet.css"));
cpSync(join(leaflet, "images"), join(out, "leaflet", "images"), { recursive: true });
// Vega, Vega-Lite and vega-embed (UMD builds) for the economy pages' charts.
mkdirSync(join(out, "vega"), { recursive: true });
for (const [pkg, file] of [
  ["vega", "vega.min.js"],
  ["vega-lite", "vega-lite.min.js"],
  ["vega-lite", "vega-lite.min.js.map"],
  ["vega-embed", "vega-embed.min.js"],
  ["vega-embed", "vega-embed.min.js.map"],
]) {
  cpSync(join(root, "node_modules", pkg, "build", file), join(out, "vega", file));
}
console.log(`front-end built into ${out}`);
