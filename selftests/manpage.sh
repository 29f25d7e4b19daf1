#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The man page hcxrepl(8), on the build machine: it renders without one
# groff warning, its COMMANDS section has an entry for every verb of
# "hcxrepl help" (a page with one entry cut out is caught), and its SYNOPSIS
# and OPTIONS name every option of the usage text.  Needs the CLI built.
. "$(dirname "$0")/lib/tap.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
hcxrepl=$top/userspace/hcxrepl
page=$top/userspace/hcxrepl.8
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C.UTF-8 MANWIDTH=80 MANROFFSEQ=''

# warnings PAGE: what man and groff say about PAGE; nothing when it is
# clean.  groff's "w" is every warning ("all" leaves out undefined macros).
warnings() {
	man --warnings=w -l "$1" 2>&1 >/dev/null
	groff -man -ww -z "$1" 2>&1
	groff -man -Tutf8 -ww -z "$1" 2>&1
}

# render PAGE: the page as text, minus signs and hyphens as ASCII.
render() {
	man -l "$1" | sed 's/\xe2\x88\x92/-/g; s/\xe2\x80\x90/-/g'
}

# section PAGE NAME: the rendered section NAME of PAGE, without its heading.
section() {
	render "$1" | awk -v s="$2" '$0 == s { on = 1; next } on && /^[^ ]/ { exit } on'
}

# heads PAGE NAME: the entry heads of a section, the lines at the
# section's indent (a short head shares its line with the text).
heads() {
	section "$1" "$2" | sed -nE 's/^ {7}([^ ].*)/\1/p'
}

check "the CLI is built" test -x "$hcxrepl"
check "man -l renders the page" bash -c "man -l '$page' | grep -q '^NAME'"
check_eq "man --warnings=w and groff -ww find nothing to warn about" "" \
	"$(warnings "$page")"
sed '/^\.SH NAME/i .XX undefined' "$page" >"$tmp/bad.8"
check "the warning check catches an undefined macro" \
	test -n "$(warnings "$tmp/bad.8")"
check "whatis can parse the NAME section" \
	bash -c "lexgrog '$page' | grep -q '\"hcxrepl - '"

# Every verb of the usage text, one a line: a command word after
# "hcxrepl" and its bracketed options, and for disk and plan each
# alternative of the next word ("disk verify|promote|..." is five verbs).
usage=$("$hcxrepl" help)
verbs=$(sed -nE 's/^ *hcxrepl( \[[^]]*\])* ([a-z]+)( ([a-z|]+))?.*/\2 \4/p' <<<"$usage" |
	while read -r cmd sub; do
		case $cmd in
		disk | plan) tr '|' '\n' <<<"$sub" | sed "s/^/$cmd /" ;;
		*) echo "$cmd" ;;
		esac
	done)
check "the usage text yields its verbs (20 or more, disk resume among them)" \
	bash -c "[ $(wc -l <<<"$verbs") -ge 20 ] && grep -qx 'disk resume' <<<'$verbs'"

# missing PAGE: the verbs without an entry in the COMMANDS section of PAGE.
missing() {
	local h v
	h=$(heads "$1" COMMANDS)
	while read -r v; do
		grep -qE "^$v( |\$)" <<<"$h" || echo "$v"
	done <<<"$verbs"
}

check_eq "every verb of 'hcxrepl help' has an entry in COMMANDS" "" \
	"$(missing "$page" | tr '\n' ' ')"
# The monitor entry cut out: from its head to the next entry's .TP, so
# that monitor's .TP introduces the next entry.
sed '/^\\fBmonitor\\fP/,/^\.TP$/d' "$page" >"$tmp/nomonitor.8"
check_eq "a page without the monitor entry is reported missing monitor" \
	"monitor" "$(missing "$tmp/nomonitor.8" | tr '\n' ' ' | sed 's/ $//')"
check "plan apply and plan check have entries" bash -c \
	"h=\$(cat); grep -q '^plan apply ' <<<\"\$h\" && grep -q '^plan check ' <<<\"\$h\"" \
	< <(heads "$page" COMMANDS)

# The options of the usage text, "-j --json" a line.
options=$(sed -n '/^Options:/,/^$/p' <<<"$usage" |
	sed -nE 's/^ +(-[A-Za-z]), (--[a-z-]+) .*/\1 \2/p')
check "the usage text yields its options (-j, -s, -V)" bash -c \
	"grep -q '^-j ' <<<'$options' && grep -q '^-s ' <<<'$options' && grep -q '^-V ' <<<'$options'"
synopsis=$(section "$page" SYNOPSIS)
check "SYNOPSIS shows hcxrepl [OPTIONS] COMMAND" \
	grep -qE '^ +hcxrepl \[-j\] \[-s\] COMMAND' <<<"$synopsis"
opthead=$(heads "$page" OPTIONS)
while read -r short long; do
	check "SYNOPSIS names $short" grep -qwF -- "$short" <<<"$synopsis"
	check "OPTIONS has an entry '$short, $long'" \
		grep -qxF -- "$short, $long" <<<"$opthead"
done <<<"$options"

tap_done
