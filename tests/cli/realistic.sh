# CLI test on a person's own digits: photo-like renders of the first MNIST test
# digits (tests/realistic/render.py: ink on paper, scaled, rotated, off-centre,
# unevenly lit, noisy, blurred, as PNG, JPEG, PGM and PPM) must score nearly as
# well as the same digits as IDX: the shipped 784-16-10 model loses at most 4
# points, the shipped CNN at most 1.5 points (when it is there); and `pack`
# of the renders, then `eval`, gives the same accuracy as `predict` on the files.
. "$(dirname "$0")/lib.bash"
REALISTIC=$(cd "$(dirname "$0")/../realistic" && pwd)
COUNT=500

# render.py needs numpy and Pillow (scripts/setup.sh installs python3-numpy
# and python3-pil); Debian's own python3 has them when another one is first
# on the PATH.
PY=
for cand in python3 /usr/bin/python3; do
    if "$cand" -c 'import numpy, PIL' 2>/dev/null; then PY=$cand; break; fi
done
if [ -z "$PY" ]; then
    fail "no python3 with numpy and PIL (apt-get install python3-numpy python3-pil)"
    finish
    exit
fi

check "render $COUNT digits" "$PY" "$REALISTIC/render.py" --data "$DATA" --count "$COUNT" \
    --seed 1 "$TMP/r"
check "one file per digit" [ "$(find "$TMP/r/classes" -type f | wc -l)" -eq "$COUNT" ]
# Every output format is in the set (each is drawn with probability >= 2 %).
for kind in png-grey png-grey16 png-rgb png-rgba-drawing jpeg-rgb jpeg-grey pgm-p5 \
            pgm-p5-16bit pgm-p5-12bit pgm-p2 ppm-p6 ppm-p3; do
    check "renders include $kind" grep -q "	$kind" "$TMP/r/labels.tsv"
done

models=(mnist)
if [ -f "$DATA/models/mnist-cnn.nnc" ]; then
    models+=(mnist-cnn)
else
    echo "skipped: the CNN's bar ($DATA/models/mnist-cnn.nnc is not there)"
fi
margs=()
for m in "${models[@]}"; do margs+=(--model "$m"); done
pack=(--pack)
if "$NNCLASS" pack --help 2>&1 | grep -q "'pack' is not a command"; then
    echo "skipped: the pack round trip (this nnclass has no pack command)"
    pack=()
fi

check "score.py runs" "$PY" "$REALISTIC/score.py" --nnclass "$NNCLASS" --data "$DATA" \
    --renders "$TMP/r" "${margs[@]}" --by-kind "${pack[@]}" --json "$TMP/score.json"

check "accuracy bars" "$PY" -c '
import json, sys
bars = {"mnist": 4.0, "mnist-cnn": 1.5}
ok = True
for m in json.load(open(sys.argv[1]))["models"]:
    name = m["model"]
    idx = m["idx_right"] / m["idx_total"]
    ren = m["renders_right"] / m["renders_total"]
    drop = 100 * (idx - ren)
    print(f"{name}: IDX {idx:.4f}, renders {ren:.4f}, drop {drop:.2f} points "
          f"(bar {bars[name]})")
    if m["predict_exit"] != 0 or m["predict_errors"]:
        print(name + ": predict failed on some renders:", m["predict_errors"][:3])
        ok = False
    if drop > bars[name]:
        print(f"{name}: loses {drop:.2f} points on the renders, more than {bars[name]}")
        ok = False
    packed = (m.get("pack_right"), m.get("pack_total"))
    if sys.argv[2] == "pack" and packed != (m["renders_right"], m["renders_total"]):
        print(name + ": pack + eval gives %s/%s, predict on the files %d/%d; %s" % (
            packed + (m["renders_right"], m["renders_total"], m.get("pack_error", ""))))
        ok = False
sys.exit(0 if ok else 1)
' "$TMP/score.json" "${pack:+pack}"

finish
