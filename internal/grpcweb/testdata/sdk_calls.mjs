// Drives a grpcweb Server with the official SuiGrpcClient (gRPC-Web over
// fetch) and prints what the SDK made of each answer as JSON.
// Usage: node sdk_calls.mjs <baseUrl> <text|binary> <missingId> <parallel>
import { SuiGrpcClient } from "@mysten/sui/grpc";

const [baseUrl, format, missingId, parallelArg] = process.argv.slice(2);
const client = new SuiGrpcClient({ network: "localnet", baseUrl, format });

// failure runs call, which must throw, and returns the SDK's error.
async function failure(call) {
	try {
		await call();
	} catch (e) {
		return { code: String(e.code), message: e.message };
	}
	return { code: "none", message: "call succeeded" };
}

const out = {};

out.chainIdentifier = (await client.core.getChainIdentifier()).chainIdentifier;

const { response: info } = await client.ledgerService.getServiceInfo({});
out.info = {
	chainId: info.chainId,
	chain: info.chain,
	epoch: String(info.epoch),
	checkpointHeight: String(info.checkpointHeight),
};

const { response: batch } = await client.ledgerService.batchGetObjects({
	requests: [{ objectId: "0x1" }, { objectId: missingId }, { objectId: "0x2" }],
	readMask: { paths: ["object_id", "version"] },
});
out.batch = batch.objects.map((r) =>
	r.result.oneofKind === "object"
		? {
				objectId: r.result.object.objectId,
				version: String(r.result.object.version),
				previousTransaction: r.result.object.previousTransaction,
			}
		: { errorCode: r.result.error.code, errorMessage: r.result.error.message },
);

const { objects } = await client.core.getObjects({ objectIds: ["0x3", missingId] });
out.core = objects.map((o) => (o instanceof Error ? { error: o.message } : { objectId: o.objectId, version: o.version }));

out.notFound = await failure(() => client.ledgerService.getObject({ objectId: "0x5" }));
out.unknownMethod = await failure(() => client.stateService.getBalance({ owner: "0x1" }));
out.streaming = await failure(async () => {
	for await (const _ of client.subscriptionService.subscribeCheckpoints({}).responses) {
		// draining only: the server must refuse before any message
	}
});

const epochCall = await client.ledgerService.getEpoch({});
out.epoch = {
	epoch: String(epochCall.response.epoch?.epoch),
	method: epochCall.headers["x-method"],
	trailer: epochCall.trailers["x-trailer"],
	dataBin: epochCall.trailers["x-data-bin"],
};

const parallel = Number(parallelArg);
const answers = await Promise.all(
	Array.from({ length: parallel }, (_, i) =>
		client.ledgerService.batchGetObjects({ requests: [{ objectId: `0x${(i + 16).toString(16)}` }] }),
	),
);
out.parallel = answers.filter((a, i) => a.response.objects[0]?.result.object?.objectId === `0x${(i + 16).toString(16)}`).length;

console.log(JSON.stringify(out));
