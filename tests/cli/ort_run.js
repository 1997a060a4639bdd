// Runs an ONNX model with ONNX Runtime (npm onnxruntime-node) on every image
// of an IDX image file (gzip or raw) and writes its output (a classifier's
// probabilities, an autoencoder's reconstruction) as raw little-endian
// float32, images x outputs, to OUT.
// Usage: node ort_run.js MODEL.onnx IMAGES.idx[.gz] OUT   (NODE_PATH finds onnxruntime-node)
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const ort = require('onnxruntime-node');

async function main() {
    const [modelPath, imagesPath, outPath] = process.argv.slice(2);
    let idx = fs.readFileSync(imagesPath);
    if (idx[0] === 0x1f && idx[1] === 0x8b) idx = zlib.gunzipSync(idx);
    if (idx.readUInt32BE(0) !== 0x803) throw new Error(`${imagesPath}: not an IDX image file`);
    const n = idx.readUInt32BE(4), rows = idx.readUInt32BE(8), cols = idx.readUInt32BE(12);
    const session = await ort.InferenceSession.create(modelPath,
        { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const pixels = rows * cols;
    const batch = 1000;
    const chunks = [];
    for (let start = 0; start < n; start += batch) {
        const b = Math.min(batch, n - start);
        const x = new Float32Array(b * pixels);
        for (let i = 0; i < b * pixels; i++) x[i] = idx[16 + start * pixels + i] / 255;
        const out = await session.run({ image: new ort.Tensor('float32', x, [b, 1, rows, cols]) });
        const p = out[session.outputNames[0]]; // probabilities, or a reconstruction
        chunks.push(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength));
    }
    fs.writeFileSync(outPath, Buffer.concat(chunks));
}
main().catch((e) => { console.error(`ort_run: ${e.message}`); process.exit(1); });
