#!/bin/sh
# Turns a shipped source history into a real git repository with tags.
#
#   make-git-repos.sh SOURCE_DIR GIT_DIR
#
# SOURCE_DIR/releases/<tag>/ holds the tree of each release (e.g. v1.0.0, v1.1.0). GIT_DIR gets
# one commit per release, in version order, each tagged <tag> (annotated). Author, committer and
# dates are fixed, so every clone of Aare makes the same commits (and the same RPMs). Running it
# again adds only releases whose tag is missing. `aare package build` runs it on first use for a
# package whose git.url is such a SOURCE_DIR.
set -eu
src=$(cd "$1" && pwd)
dst=$2
[ -d "$src/releases" ] || { echo "make-git-repos.sh: $src/releases does not exist" >&2; exit 2; }
export GIT_AUTHOR_NAME='Aare Demo' GIT_AUTHOR_EMAIL='demo@aare.invalid'
export GIT_COMMITTER_NAME='Aare Demo' GIT_COMMITTER_EMAIL='demo@aare.invalid'
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
if [ ! -d "$dst/.git" ]; then
  mkdir -p "$dst"
  git -C "$dst" init -q -b main
fi
i=0
for rel in $(ls "$src/releases" | sort -V); do
  i=$((i + 1))
  if git -C "$dst" rev-parse -q --verify "refs/tags/$rel" >/dev/null; then continue; fi
  date="2026-10-$(printf '%02d' "$i")T09:00:00+00:00"
  export GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date"
  git -C "$dst" rm -rq --ignore-unmatch . >/dev/null
  (cd "$src/releases/$rel" && tar cf - .) | (cd "$dst" && tar xf -)
  git -C "$dst" add -A
  git -C "$dst" commit -q --allow-empty -m "Release $rel"
  git -C "$dst" tag -a "$rel" -m "Release $rel"
done
