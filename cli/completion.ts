/**
 * `hookbook completion bash|zsh|powershell`: a script that completes command groups, their commands
 * and the options. Generated from the same tables the CLI dispatches on, so it cannot fall behind.
 *   bash:       source <(hookbook completion bash)           (or save it under /etc/bash_completion.d/)
 *   zsh:        source <(hookbook completion zsh)            (after compinit)
 *   PowerShell: hookbook completion powershell | Out-String | Invoke-Expression   (add to $PROFILE)
 */
import { CliError, EXIT } from './errors';
import type { Io } from './output';

export type CommandTree = Record<string, string[]>;

function bash(tree: CommandTree, options: string[]): string {
  const cases = Object.entries(tree)
    .map(([g, cmds]) => `    ${g}) COMPREPLY=( $(compgen -W "${cmds.join(' ')}" -- "$cur") ) ;;`)
    .join('\n');
  return `# hookbook completion for bash: source <(hookbook completion bash)
_hookbook() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "${options.join(' ')}" -- "$cur") )
    return
  fi
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${Object.keys(tree).join(' ')}" -- "$cur") )
    return
  fi
  if [[ $COMP_CWORD -eq 2 ]]; then
    case "\${COMP_WORDS[1]}" in
${cases}
    esac
  fi
}
complete -o default -F _hookbook hookbook
`;
}

function zsh(tree: CommandTree, options: string[]): string {
  const cases = Object.entries(tree)
    .map(([g, cmds]) => `        ${g}) compadd -- ${cmds.join(' ')} ;;`)
    .join('\n');
  return `#compdef hookbook
# hookbook completion for zsh: source <(hookbook completion zsh)
_hookbook() {
  if [[ "$PREFIX" == -* ]]; then
    compadd -- ${options.join(' ')}
    return
  fi
  case $CURRENT in
    2) compadd -- ${Object.keys(tree).join(' ')} ;;
    3)
      case "$words[2]" in
${cases}
      esac ;;
    *) _files ;;
  esac
}
compdef _hookbook hookbook
`;
}

function powershell(tree: CommandTree, options: string[]): string {
  const table = Object.entries(tree)
    .map(([g, cmds]) => `    '${g}' = @(${cmds.map((c) => `'${c}'`).join(', ')})`)
    .join('\n');
  return `# hookbook completion for PowerShell: hookbook completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName hookbook -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $commands = @{
${table}
  }
  $options = @(${options.map((o) => `'${o}'`).join(', ')})
  $words = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
  $position = $words.Count
  if ($wordToComplete -ne '') { $position = $words.Count - 1 }
  if ($wordToComplete -like '-*') { $candidates = $options }
  elseif ($position -eq 1) { $candidates = $commands.Keys | Sort-Object }
  elseif ($position -eq 2 -and $commands.ContainsKey($words[1])) { $candidates = $commands[$words[1]] }
  else { return }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}

export function completion(shell: string | undefined, io: Io, tree: CommandTree, options: string[]): number {
  const make = { bash, zsh, powershell, pwsh: powershell }[shell ?? ''];
  if (!make) throw new CliError(`hookbook completion needs a shell: bash, zsh or powershell${shell ? `, not '${shell}'` : ''}.`);
  io.out.write(make(tree, options));
  return EXIT.ok;
}
