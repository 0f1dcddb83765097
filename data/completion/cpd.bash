# bash completion for cpd(1): subcommands, options, activity codes, settings
# and (for a secretary) member logins and pending claim ids. The candidates
# come from `cpd __complete`, so they follow the installed cpd and database.

_cpd()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local -a candidates
    COMPREPLY=()
    mapfile -t candidates < <("${COMP_WORDS[0]}" __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
    if [[ ${candidates[0]-} == :files ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    else
        COMPREPLY=("${candidates[@]}")
    fi
}

complete -F _cpd cpd
