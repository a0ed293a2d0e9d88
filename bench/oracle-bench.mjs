// Helper of oracle-bench.sh: times the official Walrus encoder and decoder,
// and prints the comparison with our BenchmarkEncode and BenchmarkDecode.
//
//   node oracle-bench.mjs time ORACLE_DIR RUNS [--decode] NAME:SIZE...
//       For each size, at n_shards = 1000: the xs42 input of that size (the
//       oracle's gen-inputs.mjs, the bytes of testvectors.Xorshift(42, size)),
//       one unmeasured encodeBlob (except from 1 GiB on), then RUNS measured
//       ones. Prints one JSON line per size with op "encode": name, size,
//       blob_id, wall_ms[], cpu_ms[], peak_rss_mib; or name, size, error if
//       the SDK fails. With --decode, then one unmeasured and RUNS measured
//       decodePrimarySlivers from the last k = 334 primary slivers of the last
//       encode (333 of them parity), each output compared with the input, and
//       one JSON line with op "decode": wall_ms[], cpu_ms[], or error.
//   node oracle-bench.mjs report OFFICIAL_JSONL GO_ENCODE_OUTPUT [GO_DECODE_OUTPUT GO_DECODE_CPU]
//       Prints the encode table (medians and minimums of both, the ratio of
//       the official encoder's median wall time to ours and of the CPU times,
//       peak RSS, and whether both gave the same blob ID) and, given the
//       decode files, the decode table. GO_DECODE_CPU has lines
//       "NAME DECODES CPU_S_ONE CPU_S_MORE": the CPU seconds of a process
//       running BenchmarkDecode once and 1 + DECODES times.
//   node oracle-bench.mjs inputs ORACLE_DIR DIR NAME:SIZE...
//       Writes the xs42 input of each size to DIR/NAME.
//   node oracle-bench.mjs cold-report FILE
//       Prints the table of whole-process blob-ID commands from FILE's lines
//       "SIDE NAME WALL_S CPU_S BLOB_ID", SIDE official or ours: medians,
//       ratios official / ours, and whether both sides gave one same ID.
//
// Wall and CPU times are the SDK's encodeBlob, which returns the slivers as
// BCS buffers, against our Encode, which returns them unserialized; peak RSS
// is VmHWM of each process, reset before the measured runs where possible.
// The SDK's decodePrimarySlivers only runs the Reed-Solomon decode of the
// BCS slivers; our DecodeBlob also verifies every sliver against the
// metadata and runs the consistency check (it re-encodes the blob).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const N_SHARDS = 1000;
const [mode, ...args] = process.argv.slice(2);

function vmHWM() {
	try {
		const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
		return m ? Number(m[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

const errText = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

// measure runs f RUNS times and returns the wall and CPU milliseconds of each.
function measure(runs, f) {
	const wall_ms = [];
	const cpu_ms = [];
	for (let r = 0; r < runs; r++) {
		const c0 = process.cpuUsage();
		const t0 = performance.now();
		f();
		wall_ms.push(performance.now() - t0);
		const c = process.cpuUsage(c0);
		cpu_ms.push((c.user + c.system) / 1000);
	}
	return { wall_ms, cpu_ms };
}

async function timeOfficial(oracleDir, runs, decode, specs) {
	const imp = (f) => import(pathToFileURL(join(oracleDir, f)).href);
	const { sdk } = await imp('lib.mjs');
	const { xorshift64Bytes } = await imp('gen-inputs.mjs');
	sdk.computeMetadata(4, new Uint8Array(10)); // instantiate the wasm
	const k = sdk.getSourceSymbols(N_SHARDS).primarySymbols;
	for (const spec of specs) {
		const [name, sizeText] = spec.split(':');
		const size = Number(sizeText);
		const out = { op: 'encode', name, size };
		let bytes;
		let slivers; // the last k primary slivers of the last encode
		let blobId;
		const start = performance.now();
		try {
			bytes = xorshift64Bytes(size, 42n);
			if (size < 1 << 30) sdk.encodeBlob(N_SHARDS, bytes);
			globalThis.gc?.();
			try {
				writeFileSync('/proc/self/clear_refs', '5');
			} catch {
				// the peak is then the process's since it started
			}
			let last;
			Object.assign(
				out,
				measure(runs, () => {
					last = undefined;
					last = sdk.encodeBlob(N_SHARDS, bytes);
				}),
			);
			blobId = out.blob_id = last.blobId;
			// The peak was reached while the last output was alive; keeping
			// part of it for the decode does not raise it.
			if (decode) slivers = last.primarySlivers.slice(N_SHARDS - k);
			last = undefined;
			const hwm = vmHWM();
			if (hwm !== undefined) out.peak_rss_mib = hwm / 2 ** 20;
		} catch (e) {
			out.error = errText(e);
			out.failed_after_s = Math.round((performance.now() - start) / 100) / 10;
		}
		console.log(JSON.stringify(out));
		if (decode) {
			const dec = { op: 'decode', name, size };
			try {
				if (!slivers) throw new Error('no slivers: the encode failed');
				globalThis.gc?.();
				const check = (got) => {
					if (got.length !== bytes.length || !Buffer.from(got.buffer, got.byteOffset, got.length).equals(bytes)) {
						throw new Error('decodePrimarySlivers returned other bytes than the input');
					}
				};
				check(sdk.decodePrimarySlivers(blobId, N_SHARDS, size, slivers));
				let got;
				Object.assign(
					dec,
					measure(runs, () => {
						got = sdk.decodePrimarySlivers(blobId, N_SHARDS, size, slivers);
					}),
				);
				check(got);
				dec.slivers = slivers.length;
			} catch (e) {
				dec.error = errText(e);
			}
			console.log(JSON.stringify(dec));
		}
		bytes = slivers = undefined;
		globalThis.gc?.();
	}
}

const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// parseGoBench reads `go test -bench` output of benchmark NAME: per size, the
// ns/op and metrics of every run, and the logged blob ID.
function parseGoBench(text, name) {
	const bySize = new Map();
	const get = (size) => {
		if (!bySize.has(size)) bySize.set(size, { ns: [], cpu_ms: [], peak_rss_mib: [], peak_x_blob: [] });
		return bySize.get(size);
	};
	const headRe = new RegExp(`^(?:--- BENCH: )?${name}/n=1000/([^\\s-]+)(?:-\\d+)?(.*)$`);
	let current;
	for (const line of text.split('\n')) {
		const head = headRe.exec(line);
		if (head) {
			current = get(head[1]);
			const fields = head[2].trim().split(/\s+/);
			if (!line.startsWith('---') && fields.length >= 3) {
				for (let i = 1; i + 1 < fields.length; i += 2) {
					const v = Number(fields[i]);
					const unit = fields[i + 1];
					if (unit === 'ns/op') current.ns.push(v);
					else if (unit === 'cpu-ms/op') current.cpu_ms.push(v);
					else if (unit === 'peak-RSS-MiB') current.peak_rss_mib.push(v);
					else if (unit === 'peak-RSS-x-blob') current.peak_x_blob.push(v);
				}
			}
			continue;
		}
		const id = /blob ID (\S+)/.exec(line);
		if (id && current) current.blob_id = id[1];
	}
	return bySize;
}

// parseDecodeCPU reads the lines "NAME DECODES CPU_S_ONE CPU_S_MORE" and
// returns, per name, the CPU milliseconds of one decode.
function parseDecodeCPU(text) {
	const m = new Map();
	for (const line of text.split('\n')) {
		const [name, n, one, more] = line.trim().split(/\s+/);
		if (!name || !(Number(n) > 0)) continue;
		const ms = ((Number(more) - Number(one)) / Number(n)) * 1000;
		if (Number.isFinite(ms) && ms > 0) m.set(name, ms);
	}
	return m;
}

const s = (ms) => (ms / 1000).toFixed(3);
const ratio = (a, b) => (a / b).toFixed(2);

function printTable(rows) {
	const cols = Object.keys(rows[0] ?? {});
	const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
	const line = (cells) => cells.map((c, i) => String(c).padEnd(width[i])).join('  ').trimEnd();
	console.log(line(cols));
	console.log(line(width.map((w) => '-'.repeat(w))));
	for (const r of rows) console.log(line(cols.map((c) => r[c])));
}

// officialFor returns the official record of op for a size, or one carrying
// the error that stopped its process before it got there.
function officialFor(official, name, op) {
	return (
		official.find((o) => o.name === name && (o.op ?? 'encode') === op) ??
		official.find((o) => o.name === name && o.op === 'any') ?? { name, error: 'not measured' }
	);
}

const failed = (e) => `failed: ${e.slice(0, 48)}`;

function report(officialPath, goEncPath, goDecPath, goDecCPUPath) {
	const official = readFileSync(officialPath, 'utf8')
		.split('\n')
		.filter((l) => l.trim())
		.map((l) => JSON.parse(l));
	const names = [...new Set(official.map((o) => o.name))];
	const ours = parseGoBench(readFileSync(goEncPath, 'utf8'), 'BenchmarkEncode');
	let bad = false;

	const rows = [];
	for (const name of names) {
		const o = officialFor(official, name, 'encode');
		const g = ours.get(name);
		const size = o.size ?? official.find((x) => x.name === name).size;
		const row = { blob: name };
		const goWall = g?.ns.length ? g.ns.map((ns) => ns / 1e6) : undefined;
		const goCPU = g?.cpu_ms.length ? median(g.cpu_ms) : undefined;
		row['official s (min/med)'] = o.error ? failed(o.error) : `${s(Math.min(...o.wall_ms))} / ${s(median(o.wall_ms))}`;
		row['ours s (min/med)'] = goWall ? `${s(Math.min(...goWall))} / ${s(median(goWall))}` : 'n/a';
		row['wall official/ours'] = !o.error && goWall ? ratio(median(o.wall_ms), median(goWall)) : 'n/a';
		row['cpu s official / ours'] = (o.error ? 'n/a' : s(median(o.cpu_ms))) + ' / ' + (goCPU !== undefined ? s(goCPU) : 'n/a');
		row['cpu official/ours'] = !o.error && goCPU ? ratio(median(o.cpu_ms), goCPU) : 'n/a';
		row['ours MB/s'] = goWall ? (size / 1e6 / (median(goWall) / 1000)).toFixed(1) : 'n/a';
		row['peak RSS MiB official / ours'] =
			(o.peak_rss_mib !== undefined ? o.peak_rss_mib.toFixed(0) : 'n/a') +
			' / ' +
			(g?.peak_rss_mib.length ? Math.max(...g.peak_rss_mib).toFixed(0) : 'n/a');
		row['peak x blob official / ours'] =
			size >= 64 << 20 // below, the process's baseline dominates
				? (o.peak_rss_mib !== undefined ? ((o.peak_rss_mib * 2 ** 20) / size).toFixed(2) : 'n/a') +
					' / ' +
					(g?.peak_x_blob.length ? Math.max(...g.peak_x_blob).toFixed(2) : 'n/a')
				: '-';
		row['same blob ID'] = o.error || !g?.blob_id ? 'n/a' : o.blob_id === g.blob_id ? 'yes' : `NO (${o.blob_id} vs ${g.blob_id})`;
		if (row['same blob ID'].startsWith('NO')) bad = true;
		rows.push(row);
	}
	console.log('Encode (official encodeBlob vs our Encode)\n');
	printTable(rows);
	console.log(
		'\nwall official/ours = median wall time of the official encoder / ours; cpu official/ours = the same\n' +
			'for process CPU time (user + sys, all threads). Above 1: ours is faster. The official encoder is\n' +
			'single-threaded wasm; ours runs on all CPUs, so its CPU time can exceed its wall time.',
	);

	if (goDecPath) {
		const oursDec = parseGoBench(readFileSync(goDecPath, 'utf8'), 'BenchmarkDecode');
		const decCPU = goDecCPUPath ? parseDecodeCPU(readFileSync(goDecCPUPath, 'utf8')) : new Map();
		const drows = [];
		for (const name of names) {
			const o = officialFor(official, name, 'decode');
			const g = oursDec.get(name);
			if (!g && !official.some((x) => x.name === name && x.op === 'decode')) continue; // no decode at 1 GiB
			const size = official.find((x) => x.name === name).size;
			const goWall = g?.ns.length ? g.ns.map((ns) => ns / 1e6) : undefined;
			const goCPU = decCPU.get(name);
			const row = { blob: name };
			row['official s (min/med)'] = o.error ? failed(o.error) : `${s(Math.min(...o.wall_ms))} / ${s(median(o.wall_ms))}`;
			row['ours s (min/med)'] = goWall ? `${s(Math.min(...goWall))} / ${s(median(goWall))}` : 'n/a';
			row['wall official/ours'] = !o.error && goWall ? ratio(median(o.wall_ms), median(goWall)) : 'n/a';
			row['cpu s official / ours'] = (o.error ? 'n/a' : s(median(o.cpu_ms))) + ' / ' + (goCPU !== undefined ? s(goCPU) : 'n/a');
			row['cpu official/ours'] = !o.error && goCPU ? ratio(median(o.cpu_ms), goCPU) : 'n/a';
			row['ours MB/s'] = goWall ? (size / 1e6 / (median(goWall) / 1000)).toFixed(1) : 'n/a';
			drows.push(row);
		}
		console.log('\nDecode from the last 334 primary slivers, 333 of them parity (official decodePrimarySlivers vs our DecodeBlob)\n');
		printTable(drows);
		console.log(
			'\nBoth outputs are checked against the input. Our DecodeBlob also verifies every sliver against the\n' +
				'metadata and runs the consistency check; decodePrimarySlivers only decodes. Our CPU time per decode\n' +
				'is the difference between a process decoding 1 + D times and one decoding once, divided by D.',
		);
	}
	if (bad) process.exit(1);
}

// writeInputs writes the xs42 input of each NAME:SIZE to DIR/NAME.
async function writeInputs(oracleDir, dir, specs) {
	const { xorshift64Bytes } = await import(pathToFileURL(join(oracleDir, 'gen-inputs.mjs')).href);
	for (const spec of specs) {
		const [name, size] = spec.split(':');
		writeFileSync(join(dir, name), xorshift64Bytes(Number(size), 42n));
	}
}

// coldReport prints the table of whole-process blob-ID commands from lines
// "SIDE NAME WALL_S CPU_S BLOB_ID" (SIDE official or ours).
function coldReport(path) {
	const runs = new Map(); // name → side → { wall, cpu, ids }
	for (const line of readFileSync(path, 'utf8').split('\n')) {
		const [side, name, wall, cpu, id] = line.trim().split(/\s+/);
		if (!id) continue;
		if (!runs.has(name)) runs.set(name, {});
		const r = (runs.get(name)[side] ??= { wall: [], cpu: [], ids: new Set() });
		r.wall.push(Number(wall) * 1000);
		r.cpu.push(Number(cpu) * 1000);
		r.ids.add(id);
	}
	let bad = false;
	const rows = [];
	for (const [name, { official: o, ours: g }] of runs) {
		if (!o || !g) continue;
		const same = o.ids.size === 1 && g.ids.size === 1 && [...o.ids][0] === [...g.ids][0];
		bad ||= !same;
		rows.push({
			blob: name,
			'official s (min/med)': `${s(Math.min(...o.wall))} / ${s(median(o.wall))}`,
			'ours s (min/med)': `${s(Math.min(...g.wall))} / ${s(median(g.wall))}`,
			'wall official/ours': ratio(median(o.wall), median(g.wall)),
			'cpu s official / ours': `${s(median(o.cpu))} / ${s(median(g.cpu))}`,
			'cpu official/ours': ratio(median(o.cpu), median(g.cpu)),
			'same blob ID': same ? 'yes' : 'NO',
		});
	}
	console.log('Blob ID of a file, one fresh process per run (official-blob-id.mjs under node vs walrusfs blob-id)\n');
	printTable(rows);
	console.log(
		'\nWhole processes, start to exit: wall time, and CPU time (user + sys, all threads). The runs of both\n' +
			'sides alternate, after one unmeasured run of each.',
	);
	if (bad) process.exit(1);
}

if (mode === 'time') {
	const [oracleDir, runs, ...rest] = args;
	const decode = rest[0] === '--decode';
	await timeOfficial(oracleDir, Number(runs), decode, decode ? rest.slice(1) : rest);
} else if (mode === 'report') {
	report(...args.slice(0, 4));
} else if (mode === 'inputs') {
	await writeInputs(args[0], args[1], args.slice(2));
} else if (mode === 'cold-report') {
	coldReport(args[0]);
} else {
	console.error(
		'usage: node oracle-bench.mjs time ORACLE_DIR RUNS [--decode] NAME:SIZE... | report OFFICIAL_JSONL GO_ENCODE_OUTPUT [GO_DECODE_OUTPUT GO_DECODE_CPU]' +
			' | inputs ORACLE_DIR DIR NAME:SIZE... | cold-report FILE',
	);
	process.exit(2);
}
