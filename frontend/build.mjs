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
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));

const leaflet = join(root, "node_modules", "leaflet", "dist");
cpSync(join(leaflet, "leaflet.js"), join(out, "leaflet", "leaflet.js"), { recursive: true });
cpSync(join(leaflet, "leaflet.css"), join(out, "leaflet", "leaflet.css"));
cpSync(join(leaflet, "images"), join(out, "leaflet", "images"), { recursive: true });
console.log(`front-end built into ${out}`);
