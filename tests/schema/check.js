#!/usr/bin/env node
// Keeps the JSON Schema (schema/scenario.schema.json) and the C validator
// (`ktstr validate`) in agreement:
//   scenarios/*.yaml      must pass ajv and `ktstr validate` (exit 0);
//   tests/invalid/*.yaml  must fail `ktstr validate` with exit 2 and report
//                         the error named by the file's first line,
//                           # expect: LINE:COL: SUBSTRING
//                         and must fail ajv unless a header line says
//                           # schema: valid
//                         (semantic errors a schema cannot express).
// YAML is turned into JSON the way an editor would: js-yaml's default
// schema (YAML 1.2 core plus merge keys), then a JSON round trip.
// Usage: node check.js   (env KTSTR = ktstr binary, SRCDIR = repo root)
"use strict";

const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");
const yaml = require("js-yaml");
const Ajv2020 = require("ajv/dist/2020");

const srcdir = path.resolve(process.env.SRCDIR || path.join(__dirname, "..", ".."));
const ktstr = process.env.KTSTR || path.join(srcdir, "ktstr");
const schemaPath = path.join(srcdir, "schema", "scenario.schema.json");

let passed = 0;
let failed = 0;

function report(ok, file, what) {
	const rel = path.relative(srcdir, file) || file;
	if (ok)
		passed++;
	else
		failed++;
	console.log(`${ok ? "ok  " : "FAIL"} ${rel}${what ? ": " + what : ""}`);
}

function yamlFiles(dir) {
	let names;
	try {
		names = fs.readdirSync(dir);
	} catch (e) {
		return [];
	}
	return names.filter((n) => n.endsWith(".yaml")).sort().map((n) => path.join(dir, n));
}

// Ajv verdict on one file: null when the schema accepts it, else a reason.
function schemaVerdict(validate, file) {
	let doc;
	try {
		doc = JSON.parse(JSON.stringify(yaml.load(fs.readFileSync(file, "utf8"), { filename: file })));
	} catch (e) {
		return `YAML not loadable: ${e.message.split("\n")[0]}`;
	}
	if (validate(doc))
		return null;
	const errs = validate.errors || [];
	// anyOf failures produce one error per branch; the deepest path is
	// usually the one that explains the problem.
	errs.sort((a, b) => b.instancePath.length - a.instancePath.length);
	const e = errs[0];
	return e ? `${e.instancePath || "/"} ${e.message}` : "rejected";
}

function runKtstr(file) {
	const r = spawnSync(ktstr, ["validate", file], { encoding: "utf8" });
	if (r.error)
		throw new Error(`cannot run ${ktstr}: ${r.error.message}`);
	return { status: r.status, out: `${r.stdout || ""}${r.stderr || ""}` };
}

function firstLines(text, n) {
	return text.split("\n").slice(0, n);
}

function checkValid(validate, file) {
	const k = runKtstr(file);
	const s = schemaVerdict(validate, file);
	const problems = [];
	if (k.status !== 0)
		problems.push(`ktstr validate exited ${k.status}: ${firstLines(k.out.trim(), 1)[0]}`);
	if (s)
		problems.push(`schema rejects it: ${s}`);
	report(problems.length === 0, file, problems.join("; "));
}

function checkInvalid(validate, file) {
	const text = fs.readFileSync(file, "utf8");
	const head = firstLines(text, 5);
	const m = /^# expect: (\d+):(\d+): (.+)$/.exec(head[0]);
	if (!m) {
		report(false, file, "first line is not '# expect: LINE:COL: SUBSTRING'");
		return;
	}
	const [, line, col, substr] = m;
	const schemaValid = head.some((l) => /^# schema: valid\s*$/.test(l));
	const problems = [];

	const k = runKtstr(file);
	if (k.status !== 2)
		problems.push(`ktstr validate exited ${k.status}, expected 2`);
	const want = `:${line}:${col}: error: `;
	const hit = k.out.split("\n").some((l) => {
		const i = l.indexOf(want);
		return i >= 0 && l.slice(i + want.length).includes(substr);
	});
	if (!hit)
		problems.push(`no '${line}:${col}: error: ...${substr}...' in: ${k.out.trim().split("\n").join(" | ")}`);

	const s = schemaVerdict(validate, file);
	if (schemaValid && s)
		problems.push(`marked '# schema: valid' but the schema rejects it: ${s}`);
	if (!schemaValid && !s)
		problems.push("the schema accepts it (mark '# schema: valid' only if no schema can tell)");
	report(problems.length === 0, file, problems.join("; "));
}

function main() {
	let validate;
	try {
		const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
		const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
		validate = ajv.compile(schema);
	} catch (e) {
		console.log(`FAIL ${path.relative(srcdir, schemaPath)}: ${e.message}`);
		console.log("0 passed, 1 failed");
		process.exit(1);
	}
	const valid = yamlFiles(path.join(srcdir, "scenarios"));
	const invalid = yamlFiles(path.join(srcdir, "tests", "invalid"));
	if (!valid.length)
		report(false, path.join(srcdir, "scenarios"), "no scenario files found");
	for (const f of valid)
		checkValid(validate, f);
	for (const f of invalid)
		checkInvalid(validate, f);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main();
