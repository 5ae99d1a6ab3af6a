import { escapeId } from "../cnb/ids.ts";
import { quoteWord } from "./launch-form.ts";

/**
 * `reloadable-shell TYPE COMMAND [ARG...]`: runs a process the way the launcher runs one declared
 * with `direct = false` (lifecycle 0.21, launch/bash.go and shell.go): from the app dir it sources
 * every layer's `profile.d/*` then `profile.d/<TYPE>/*`, buildpack by buildpack in group order,
 * then the app's `.profile`; then, in the process's working dir, bash runs COMMAND as a script
 * (no ARGs), or evaluates COMMAND and each ARG as one word each. Reloadable redeclares such
 * processes as direct API 0.10 processes (it cannot declare shell ones), and this keeps what
 * the app's `.profile` and profile scripts set in both `T` and `T-no-reload`.
 */
export function profileShellScript(options: { appDir: string; layersRoot: string; buildpackIds: readonly string[] }): string {
  const dirs = options.buildpackIds.map((id) => quoteWord(`${options.layersRoot}/${escapeId(id)}`)).join(" ");
  return `#!/bin/bash
# reloadable-shell TYPE COMMAND [ARG...]: written by reloadable/watchexec; runs a process with the
# profile scripts and the app's .profile, as the CNB launcher runs a process with direct = false.
if [ $# -lt 2 ]; then echo "usage: reloadable-shell TYPE COMMAND [ARG...]" >&2; exit 2; fi
__reloadable_type=$1
shift
__reloadable_wd=$PWD
cd ${quoteWord(options.appDir)} || exit
# The launcher lists profile.d with os.ReadDir: hidden files too, in byte order.
__reloadable_profiles=()
shopt -s dotglob
for __reloadable_bp in ${dirs}; do
  for __reloadable_layer in "$__reloadable_bp"/*/; do
    for __reloadable_profile in "$__reloadable_layer"profile.d/* "$__reloadable_layer"profile.d/"$__reloadable_type"/*; do
      if [ -f "$__reloadable_profile" ]; then __reloadable_profiles+=("$__reloadable_profile"); fi
    done
  done
done
shopt -u dotglob
for __reloadable_profile in "\${__reloadable_profiles[@]}"; do source "$__reloadable_profile"; done
if [ -f .profile ]; then source .profile; fi
cd "$__reloadable_wd" || exit
unset __reloadable_type __reloadable_wd __reloadable_bp __reloadable_layer __reloadable_profile __reloadable_profiles
if [ $# -eq 1 ]; then exec bash -c "$1"; fi
__reloadable_script='"$(eval echo \\"$0\\")"'
for ((__reloadable_i = 1; __reloadable_i < $#; __reloadable_i++)); do
  __reloadable_script+=" \\"\\$(eval echo \\\\\\"\\\${$__reloadable_i}\\\\\\")\\""
done
exec bash -c "$__reloadable_script" "$@"
`;
}
