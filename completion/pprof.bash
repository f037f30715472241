# completion/pprof.bash - bash completion for cpprof's pprof (installed as
# .../bash-completion/completions/pprof). The options and their value kinds
# (metavars) are read from `pprof --help`, so they follow the program's option
# table; the value lists below are the ones cli/options.c accepts (tests/doc
# checks each is accepted). Regexes (RE) and numbers are left alone; the first
# argument is a program or a profile, the others profiles (.heap, .heap.gz,
# .pb.gz, "-").

# The options of the pprof at $1, one per line: NAME (a flag), NAME=META or
# NAME[=META]; cached per program path.
_pprof_help_options()
{
    if [[ ${_pprof_help_prog-} != "$1" ]]; then
        _pprof_help_cache=$(LC_ALL=C "$1" --help 2>/dev/null |
            sed -n 's/^[[:space:]]\{1,\}\(--[A-Za-z0-9_-]\{1,\}\(\[\{0,1\}=[^[:space:]]*\)\{0,1\}\).*/\1/p')
        _pprof_help_prog=$1
    fi
    printf '%s\n' "$_pprof_help_cache"
}

# The metavar of option $2 (no dashes) of the pprof at $1: empty for a flag,
# "[META" for an optional value.
_pprof_metavar()
{
    local line
    while IFS= read -r line; do
        case $line in
            "--$2="*) printf '%s\n' "${line#*=}"; return 0 ;;
            "--$2[="*) printf '[%s\n' "${line#*[=}"; return 0 ;;
            "--$2") return 0 ;;
        esac
    done < <(_pprof_help_options "$1")
    return 1
}

# COMPREPLY: files under $cur that are directories or, with $1=heap, profiles,
# with $1=prog, profiles or executables; with $1=any every file.
_pprof_files()
{
    local f
    compopt -o filenames 2>/dev/null
    COMPREPLY=()
    while IFS= read -r f; do
        if [[ -d $f ]]; then
            COMPREPLY+=("$f")
        elif [[ $1 == any ]]; then
            COMPREPLY+=("$f")
        else
            case $f in
                *.heap | *.heap.gz | *.pb.gz | *.pb | *.prof | *.heap.[0-9]*) COMPREPLY+=("$f") ;;
                *) [[ $1 == prog && -x $f ]] && COMPREPLY+=("$f") ;;
            esac
        fi
    done < <(compgen -f -- "$cur")
}

# COMPREPLY: the values of option $name (no dashes) with metavar $meta.
_pprof_values()
{
    local name=$1 meta=${2#[} words
    case $name in
        sample_index) words="inuse_space inuse_objects alloc_space alloc_objects" ;;
        symbolize) words="local none" ;;
        debuginfod) words="auto on off" ;;
        json)
            # a comma-separated list: complete the part after the last comma
            local head=${cur%"${cur##*,}"}
            COMPREPLY=($(compgen -P "$head" -W "rows stacks graph" -- "${cur##*,}"))
            compopt -o nospace 2>/dev/null
            return ;;
    esac
    if [[ -n $words ]]; then
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
        return
    fi
    case $meta in
        FILE)
            # profiles for --base/--diff_base, any file otherwise (--output, --add_lib ...)
            if [[ $name == base || $name == diff_base ]]; then _pprof_files heap; else _pprof_files any; fi ;;
        DIRS)
            # ':'-separated (--lib_prefix: ','-separated, as Perl's): complete the
            # directory after the last separator
            local sep=: d
            [[ $name == lib_prefix ]] && sep=,
            local head=${cur%"${cur##*"$sep"}"}
            COMPREPLY=()
            while IFS= read -r d; do COMPREPLY+=("$head$d/"); done < <(compgen -d -- "${cur##*"$sep"}")
            [[ $sep == : ]] && __ltrim_colon_completions "$cur"  # readline replaces what follows the last ":"
            compopt -o nospace 2>/dev/null ;;
        *) COMPREPLY=() ;;  # RE, N, F, BYTES, HEX: nothing to offer
    esac
}

_pprof()
{
    local cur prev words cword split=false
    _init_completion -n =: || return
    local prog=${words[0]} name meta

    # -name=value, --name=value (readline replaces only what follows the "=")
    if [[ $cur == -?*=* ]]; then
        prev=${cur%%=*} cur=${cur#*=} split=true
    fi
    # or --name value
    if [[ $split == true || ( $prev == -?* && $prev != *=* ) ]]; then
        name=${prev##*-}
        if meta=$(_pprof_metavar "$prog" "$name") && [[ -n $meta ]] &&
            [[ $split == true || $meta != \[* ]]; then
            _pprof_values "$name" "$meta"
            return
        fi
    fi

    if [[ $cur == -* ]]; then
        local dashes=-- opts
        [[ $cur == --* ]] || dashes=-
        opts=$(_pprof_help_options "$prog" | sed -e 's/\[=.*//' -e 's/=.*/=/' -e "s/^--/$dashes/")
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi

    # positional arguments: the first a program or a profile, then profiles
    local i n=0 w
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $w == -?* ]]; then
            [[ $w == *=* ]] && continue
            meta=$(_pprof_metavar "$prog" "${w##*-}") || continue
            [[ -n $meta && $meta != \[* ]] && ((i++))  # its value is the next word
        elif [[ $w != = ]]; then
            ((n++))
        fi
    done
    if ((n == 0)); then _pprof_files prog; else _pprof_files heap; fi
}
complete -F _pprof pprof
