// fill.mjs: the ODK form engine (@getodk/xforms-engine) as a test client for iltod.
//
//   node fill.mjs FORM.xml|- '{"station":"s1","K1":"12","P1":"@photo.jpg"}'
//
// Loads the XForm (a path, or "-" for standard input), sets each answer by field name
// (a value starting with "@" is an attachment's file name, for an upload), and writes
// the serialized instance (the submission's xml_submission_file) to standard output.
// When the engine finds the instance not ready (a required field empty, a constraint
// failing), it writes the violations to standard error and exits with status 2.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

// The engine parses XML with the DOM's DOMParser, which Node lacks; jsdom supplies it,
// as in the engine's own Node tests.
const { window } = new JSDOM('');
for (const name of ['DOMParser', 'XMLSerializer', 'Node', 'Element', 'Document', 'XPathResult']) {
	globalThis[name] ??= window[name];
}
globalThis.document ??= window.document;

// The engine's bundled tree-sitter (Emscripten) reads __dirname under Node, which an ES
// module lacks; its WASM files are inlined, so any directory will do.
globalThis.__dirname ??= process.cwd();

const { createInstance } = await import('@getodk/xforms-engine');

const [src = '-', answersArg = '{}'] = process.argv.slice(2);
const xml = readFileSync(src === '-' ? 0 : src, 'utf8');
const answers = JSON.parse(answersArg);

const form = await createInstance(xml, { instance: { stateFactory: (o) => o } });
const root = form.root;

const byName = new Map();
const walk = (node) => {
	const ref = node.currentState.reference;
	byName.set(ref.split('/').pop(), node);
	for (const child of node.currentState.children ?? []) walk(child);
};
walk(root);

for (const [name, value] of Object.entries(answers)) {
	const node = byName.get(name);
	if (!node) {
		console.error(`no field ${name}`);
		process.exit(1);
	}
	switch (node.nodeType) {
		case 'select':
			if (Array.isArray(value)) node.selectValues(value);
			else node.selectValue(value);
			break;
		case 'upload':
			node.setValue(new File([readFileSync(value.slice(1))], value.slice(1).split('/').pop(), { type: 'image/jpeg' }));
			break;
		default:
			node.setValue(value);
	}
}

const payload = await root.prepareInstancePayload();
if (payload.status !== 'ready') {
	console.error(JSON.stringify({ status: payload.status, violations: payload.violations?.map((v) => ({
		reference: v.reference, condition: v.violation?.condition, message: v.violation?.message?.asString })) }));
	process.exit(2);
}
const file = payload.data[0].get('xml_submission_file');
process.stdout.write(await file.text());
