// Builds the front-end assets the app serves from sara/static/build/.
// GOV.UK Frontend is compiled from Sass so that the GDS Transport font (reserved for GOV.UK
// services) is never included; only the component JavaScript is copied as published.
import { compile } from "sass";
import { NodePackageImporter } from "sass";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "sara", "static", "build");
mkdirSync(out, { recursive: true });

const css = compile(join(root, "assets", "scss", "app.scss"), {
  importers: [new NodePackageImporter()],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "app.css"), css.css);

const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
console.log(`assets built in ${out}`);
