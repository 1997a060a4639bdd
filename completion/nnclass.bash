# bash completion for nnclass: commands, options, option values and model names.
# The commands and options are read from `nnclass --help` and
# `nnclass COMMAND --help`, so they follow the program; the values of the
# options that take a fixed set are listed here.

# _nnclass_options BINARY COMMAND: the options the command's --help lists,
# one per line: the option column of a help line is what comes before its
# first run of two spaces.
_nnclass_options()
{
    "$1" "$2" --help 2>/dev/null | awk '
        /^ +-/ {
            line = $0
            sub(/^ +/, "", line)
            n = index(line, "  ")
            if (n > 0) line = substr(line, 1, n - 1)
            while (match(line, /--?[A-Za-z][A-Za-z0-9-]*/)) {
                print substr(line, RSTART, RLENGTH)
                line = substr(line, RSTART + RLENGTH)
            }
        }' | sort -u
}

# The models of the data folder, by bare name (NNCLASS_DATA, else the
# installed share folder beside the executable).
_nnclass_model_names()
{
    local bin dir
    if [[ -n ${NNCLASS_DATA-} ]]; then
        dir=$NNCLASS_DATA
    else
        bin=$(type -P "$1" 2>/dev/null) || return 0
        dir=${bin%/*}/../share/nnclass
    fi
    local f
    for f in "$dir"/models/*.nnc; do
        [[ -e $f ]] || continue
        f=${f##*/}
        printf '%s\n' "${f%.nnc}"
    done
}

_nnclass()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -s || return
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
    fi
    local bin=${words[0]}

    if ((cword == 1)); then
        local cmds
        cmds=$("$bin" --help 2>/dev/null |
            awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }')
        COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
        return
    fi
    local cmd=${words[1]}

    # --opt=value: complete the value after the '='.
    if [[ $cur == --*=* ]]; then
        prev=${cur%%=*}
        cur=${cur#*=}
    fi

    local values=""
    case $prev in
        --format)
            case $cmd in
                eval) values="text json csv" ;;
                predict | read) values="tsv csv json" ;;
                info) values="text json" ;;
                export) values="onnx npz" ;;
            esac ;;
        --activation) values="sigmoid relu tanh step" ;;
        --dataset) values="mnist fashion" ;;
        --split) values="test train" ;;
        --optimizer) values="sgd momentum nesterov adam" ;;
        --lr-schedule) values="constant step cosine" ;;
        --arch) values="mlp cnn lstm autoencoder conv-autoencoder crnn" ;;
        --affine) values="default rotate= scale= shear= aspect=" ;;
        --model | --reading | --weights | --codes | --init)
            COMPREPLY=($(compgen -W "$(_nnclass_model_names "$bin")" -- "$cur"))
            COMPREPLY+=($(compgen -f -X '!*.nnc' -- "$cur") $(compgen -d -- "$cur"))
            return ;;
        --data-dir)
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
        -o | --output | --log | --images | --labels | --numbers | --files-from)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --plot | --plot-errors | --svg)
            COMPREPLY=($(compgen -f -X '!*.svg' -- "$cur") $(compgen -d -- "$cur"))
            return ;;
        --title)
            return ;;
        --epochs | --batch | --lr | --momentum | --weight-decay | --seed | --threads | \
            --val | --hidden | --layers | --index | --count | --top | --errors | \
            --max-input-mb | --offset | --augment | --classes | --clip-norm | \
            --elastic | --stroke | --distort-share | --epoch-size | --beam | --passes)
            return ;; # a number or a list: nothing to offer
    esac
    if [[ -n $values ]]; then
        COMPREPLY=($(compgen -W "$values" -- "$cur"))
        return
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_nnclass_options "$bin" "$cmd")" -- "$cur"))
        return
    fi
    # Arguments: model files for info and export (and reconstruct's first),
    # data files otherwise.
    local first_arg=1 i
    for ((i = 2; i < cword; i++)); do
        [[ ${words[i]} == -* || ${words[i - 1]} == --count || ${words[i - 1]} == -o ||
            ${words[i - 1]} == --data-dir || ${words[i - 1]} == --preprocess ||
            ${words[i - 1]} == --invert || ${words[i - 1]} == --max-image-mpixels ]] ||
            first_arg=0
    done
    case $cmd in
        reconstruct)
            if ((first_arg)); then
                COMPREPLY=($(compgen -W "$(_nnclass_model_names "$bin")" -- "$cur"))
                COMPREPLY+=($(compgen -f -X '!*.nnc' -- "$cur") $(compgen -d -- "$cur"))
            else
                COMPREPLY=($(compgen -f -- "$cur"))
            fi ;;
        info | export)
            COMPREPLY=($(compgen -f -X '!*.nnc' -- "$cur") $(compgen -d -- "$cur")) ;;
        *)
            COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -F _nnclass nnclass
