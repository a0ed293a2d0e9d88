// Helper of oracle-bench.sh: times the official Walrus encoder, and prints the
// comparison with our BenchmarkEncode.
//
//   node oracle-bench.mjs time ORACLE_DIR RUNS NAME:SIZE...
//       For each size, at n_shards = 1000: the xs42 input of that size (the
//       oracle's gen-inputs.mjs, the bytes of testvectors.Xorshift(42, size)),
//       one unmeasured encodeBlob (except from 1 GiB on), then RUNS measured
//       ones. Prints one JSON line per size: name, size, blob_id, wall_ms[],
//       cpu_ms[], peak_rss_mib; or name, size, error if the SDK fails.
//   node oracle-bench.mjs report OFFICIAL_JSONL GO_BENCH_OUTPUT
//       Prints the table: medians and minimums of both, the ratio of the
//       official encoder's median wall time to ours, CPU times, peak RSS, and
//       whether both encoders gave the same blob ID.
//
// Wall and CPU times are the SDK's encodeBlob, which returns the slivers as
// BCS buffers, against our Encode, which returns them unserialized; peak RSS
// is VmHWM of each process, reset before the measured runs where possible.

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

async function timeOfficial(oracleDir, runs, specs) {
	const imp = (f) => import(pathToFileURL(join(oracleDir, f)).href);
	const { sdk } = await imp('lib.mjs');
	const { xorshift64Bytes } = await imp('gen-inputs.mjs');
	sdk.computeMetadata(4, new Uint8Array(10)); // instantiate the wasm
	for (const spec of specs) {
		const [name, sizeText] = spec.split(':');
		const size = Number(sizeText);
		const out = { name, size };
		try {
			let bytes = xorshift64Bytes(size, 42n);
			if (size < 1 << 30) sdk.encodeBlob(N_SHARDS, bytes);
			globalThis.gc?.();
			try {
				writeFileSync('/proc/self/clear_refs', '5');
			} catch {
				// the peak is then the process's since it started
			}
			out.wall_ms = [];
			out.cpu_ms = [];
			for (let r = 0; r < runs; r++) {
				const c0 = process.cpuUsage();
				const t0 = performance.now();
				let enc = sdk.encodeBlob(N_SHARDS, bytes);
				out.wall_ms.push(performance.now() - t0);
				const c = process.cpuUsage(c0);
				out.cpu_ms.push((c.user + c.system) / 1000);
				out.blob_id = enc.blobId;
				enc = undefined;
			}
			bytes = undefined;
			const hwm = vmHWM();
			if (hwm !== undefined) out.peak_rss_mib = hwm / 2 ** 20;
		} catch (e) {
			out.error = String(e?.message ?? e);
		}
		console.log(JSON.stringify(out));
	}
}

const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// parseGoBench reads `go test -bench BenchmarkEncode` output: per size, the
// ns/op and metrics of every run, and the logged blob ID.
function parseGoBench(text) {
	const bySize = new Map();
	const get = (name) => {
		if (!bySize.has(name)) bySize.set(name, { ns: [], cpu_ms: [], peak_rss_mib: [] });
		return bySize.get(name);
	};
	let current;
	for (const line of text.split('\n')) {
		const head = /^(?:--- BENCH: )?BenchmarkEncode\/n=1000\/([^\s-]+)(?:-\d+)?(.*)$/.exec(line);
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
				}
			}
			continue;
		}
		const id = /blob ID (\S+)/.exec(line);
		if (id && current) current.blob_id = id[1];
	}
	return bySize;
}

function report(officialPath, goPath) {
	const official = readFileSync(officialPath, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
	const ours = parseGoBench(readFileSync(goPath, 'utf8'));
	const s = (ms) => (ms / 1000).toFixed(3);
	const rows = [];
	for (const o of official) {
		const g = ours.get(o.name);
		const row = { blob: o.name };
		const goWall = g?.ns.length ? g.ns.map((ns) => ns / 1e6) : undefined;
		row['official s (min/med)'] = o.error ? `failed: ${o.error.slice(0, 40)}` : `${s(Math.min(...o.wall_ms))} / ${s(median(o.wall_ms))}`;
		row['ours s (min/med)'] = goWall ? `${s(Math.min(...goWall))} / ${s(median(goWall))}` : 'n/a';
		row['official/ours'] = !o.error && goWall ? (median(o.wall_ms) / median(goWall)).toFixed(2) : 'n/a';
		row['cpu s official / ours'] =
			(o.error ? 'n/a' : s(median(o.cpu_ms))) + ' / ' + (g?.cpu_ms.length ? s(median(g.cpu_ms)) : 'n/a');
		row['ours MB/s'] = goWall ? (o.size / 1e6 / (median(goWall) / 1000)).toFixed(1) : 'n/a';
		row['peak RSS MiB official / ours'] =
			(o.peak_rss_mib !== undefined ? o.peak_rss_mib.toFixed(0) : 'n/a') +
			' / ' +
			(g?.peak_rss_mib.length ? Math.max(...g.peak_rss_mib).toFixed(0) : 'n/a');
		row['same blob ID'] = o.error || !g?.blob_id ? 'n/a' : o.blob_id === g.blob_id ? 'yes' : `NO (${o.blob_id} vs ${g.blob_id})`;
		rows.push(row);
	}
	const cols = Object.keys(rows[0] ?? {});
	const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
	const line = (cells) => cells.map((c, i) => String(c).padEnd(width[i])).join('  ');
	console.log(line(cols));
	console.log(line(width.map((w) => '-'.repeat(w))));
	for (const r of rows) console.log(line(cols.map((c) => r[c])));
	console.log('\nofficial/ours = median wall time of the official encoder / ours (above 1: ours is faster).');
	if (rows.some((r) => r['same blob ID'].startsWith('NO'))) process.exit(1);
}

if (mode === 'time') {
	const [oracleDir, runs, ...specs] = args;
	await timeOfficial(oracleDir, Number(runs), specs);
} else if (mode === 'report') {
	report(args[0], args[1]);
} else {
	console.error('usage: node oracle-bench.mjs time ORACLE_DIR RUNS NAME:SIZE... | report OFFICIAL_JSONL GO_BENCH_OUTPUT');
	process.exit(2);
}
