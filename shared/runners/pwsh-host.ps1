# Hookbook's PowerShell host: runs one PowerShell runbook the way Azure Automation does.
#
# - The parameters arrive as JSON data in $env:HOOKBOOK_PARAMETERS_FILE and are bound by
#   PowerShell's own binder to the runbook's param() block (splatting): no value is ever part of
#   script text. JSON objects arrive as PSCustomObject ($WebhookData.RequestBody stays the raw
#   string), arrays as arrays, date-like strings stay strings until a [datetime] parameter binds them.
# - Every stream is sent, in order, as one JSON line on fd 3 (the worker's control channel):
#   {"kind":"record","streamType":"Output|Error|Warning|Verbose|Debug|Progress","text":...,"value":...}.
#   Write-Information and Write-Host go to Output, as in Azure Automation.
# - A terminating error (throw) is sent as {"kind":"exception","message":...} and the host exits 1;
#   `exit N` in the runbook ends this process with code N.
# - When the runbook has run, the last line is {"kind":"end","exitCode":N}: the worker takes the job as
#   ended with N and ends the process group, rather than waiting the ~0.2 s .NET takes to shut down.
#
# This file is read by the job's own (unprivileged) user: it must stay world-readable and must not
# depend on $HOME or a profile (pwsh runs with -NoProfile).
Set-StrictMode -Off
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'

$__hookbookChannel = [IO.StreamWriter]::new(
  [IO.FileStream]::new([Microsoft.Win32.SafeHandles.SafeFileHandle]::new([IntPtr]3, $false), [IO.FileAccess]::Write, 1),
  [Text.UTF8Encoding]::new($false))
$__hookbookChannel.AutoFlush = $true

function __HookbookSend([hashtable]$Message) {
  $line = try {
    ConvertTo-Json -InputObject $Message -Compress -Depth 8 -WarningAction SilentlyContinue
  } catch {
    $Message.Remove('value')
    ConvertTo-Json -InputObject $Message -Compress -Depth 2 -WarningAction SilentlyContinue
  }
  $__hookbookChannel.WriteLine($line)
}

# Objects that serialize to JSON as data; other .NET objects (processes, files) are shown as text only.
function __HookbookIsData($Value) {
  $Value -is [string] -or $Value -is [ValueType] -or $Value -is [Collections.IDictionary] -or
  ($Value -is [Management.Automation.PSCustomObject]) -or
  ($Value -is [Array] -and @($Value | Where-Object { -not (__HookbookIsData $_) }).Count -eq 0)
}

function __HookbookRecord($Item) {
  if ($null -eq $Item) { return }
  $stream = 'Output'
  $text = $null
  $value = $null
  switch ($Item) {
    { $_ -is [Management.Automation.ErrorRecord] } { $stream = 'Error'; $text = $_.ToString(); break }
    { $_ -is [Management.Automation.WarningRecord] } { $stream = 'Warning'; $text = $_.Message; break }
    { $_ -is [Management.Automation.VerboseRecord] } { $stream = 'Verbose'; $text = $_.Message; break }
    { $_ -is [Management.Automation.DebugRecord] } { $stream = 'Debug'; $text = $_.Message; break }
    { $_ -is [Management.Automation.InformationRecord] } { $text = "$($_.MessageData)"; break }
    { $_ -is [string] } { $text = $_; break }
    default {
      $text = ($_ | Out-String -Width 4096).Trim("`r", "`n")
      if (__HookbookIsData $_) { $value = $_ }
    }
  }
  $m = @{ kind = 'record'; streamType = $stream; text = $text }
  if ($null -ne $value) { $m.value = $value }
  __HookbookSend $m
}

# Progress records cannot be redirected into a pipeline, so Write-Progress reports them itself.
function Write-Progress {
  [CmdletBinding()]
  param(
    [Parameter(Position = 0)][string]$Activity,
    [Parameter(Position = 1)][string]$Status,
    [Parameter(Position = 2)][int]$Id,
    [int]$PercentComplete = -1,
    [int]$SecondsRemaining = -1,
    [string]$CurrentOperation,
    [int]$ParentId = -1,
    [switch]$Completed,
    [int]$SourceId
  )
  if ($ProgressPreference -in 'SilentlyContinue', 'Ignore') { return }
  $text = (@($Activity, $Status, $CurrentOperation) | Where-Object { $_ }) -join ' - '
  if ($PercentComplete -ge 0) { $text += " ($PercentComplete%)" }
  if ($Completed) { $text += ' (completed)' }
  __HookbookSend @{ kind = 'record'; streamType = 'Progress'; text = $text; value = @{
      activity = $Activity; status = $Status; percentComplete = $PercentComplete; currentOperation = $CurrentOperation; completed = [bool]$Completed
    } }
}

# A warm process (shared/runners/warmPool.ts) starts before its job exists, already as the job's uid
# and in its directory: it loads what every runbook needs, then waits for exactly one job on stdin,
# "<byte length>\n" and {"env":{...}}, the job's environment, which replaces its own. Whatever
# follows on stdin is the runbook's, as in a cold start. Stdin ending first means no job: exit.
if ($env:HOOKBOOK_WARM -eq '1') {
  # What pwsh made of an unset PSModulePath at start-up (its own module folders).
  $__hookbookModulePath = $env:PSModulePath
  # What every job does first, done now with its records sent nowhere: most of a trivial job's time
  # after pwsh's own start is compiling and loading these paths for the first time.
  $__hookbookSent = $__hookbookChannel
  $__hookbookChannel = [IO.StreamWriter]::new([IO.Stream]::Null)
  $null = [Management.Automation.Language.Parser]::ParseFile($PSCommandPath, [ref]$null, [ref]$null)
  $__hookbookWarm = [Management.Automation.Language.Parser]::ParseInput(
    'param([string]$Name, [hashtable]$Data) Write-Output "warm $Name"; Write-Warning w; [pscustomobject]@{ a = 1 }', [ref]$null, [ref]$null)
  $__hookbookArgs = @{ Name = 'x'; Data = (ConvertFrom-Json -InputObject '{"a":{"b":[1,"2"]}}' -AsHashtable -DateKind String -Depth 1024) }
  $null = ConvertFrom-Json -InputObject '{"a":{"b":[1,"2"]}}' -DateKind String -Depth 1024
  & $__hookbookWarm.GetScriptBlock() @__hookbookArgs *>&1 | ForEach-Object { __HookbookRecord $_ }
  $__hookbookChannel = $__hookbookSent
  Remove-Variable __hookbookSent, __hookbookWarm, __hookbookArgs
  # Says "warmed up" to the pool (shared/runners/warmPool.ts), which prefers a ready process.
  [IO.File]::WriteAllText([IO.Path]::Combine($PWD.ProviderPath, '.hookbook-warm-ready'), '')
  $__hookbookIn = [IO.FileStream]::new([Microsoft.Win32.SafeHandles.SafeFileHandle]::new([IntPtr]0, $false), [IO.FileAccess]::Read, 1)
  $__hookbookLength = 0
  while ($true) {
    $b = $__hookbookIn.ReadByte()
    if ($b -lt 0) { exit 0 }
    if ($b -eq 10) { break }
    $__hookbookLength = $__hookbookLength * 10 + ($b - 48)
  }
  $__hookbookBytes = [byte[]]::new($__hookbookLength)
  $read = 0
  while ($read -lt $__hookbookLength) {
    $n = $__hookbookIn.Read($__hookbookBytes, $read, $__hookbookLength - $read)
    if ($n -le 0) { exit 0 }
    $read += $n
  }
  [IO.File]::Delete([IO.Path]::Combine($PWD.ProviderPath, '.hookbook-warm-ready'))
  $__hookbookEnv = (ConvertFrom-Json -InputObject ([Text.Encoding]::UTF8.GetString($__hookbookBytes)) -AsHashtable).env
  foreach ($name in @([Environment]::GetEnvironmentVariables().Keys)) {
    if (-not $__hookbookEnv.ContainsKey($name)) { [Environment]::SetEnvironmentVariable($name, $null) }
  }
  foreach ($e in $__hookbookEnv.GetEnumerator()) { [Environment]::SetEnvironmentVariable($e.Key, $e.Value) }
  # As pwsh does at start-up: its own module folders first, then the job's (the asset helpers).
  $env:PSModulePath = (@($__hookbookModulePath, $__hookbookEnv['PSModulePath']) | Where-Object { $_ }) -join [IO.Path]::PathSeparator
  Remove-Variable __hookbookIn, __hookbookLength, __hookbookBytes, __hookbookEnv, __hookbookModulePath, b, read, n, name, e -ErrorAction Ignore
}

try {
  $__hookbookParameters = @{}
  $__hookbookJson = [IO.File]::ReadAllText($env:HOOKBOOK_PARAMETERS_FILE)
  if ($__hookbookJson.Trim()) {
    $__hookbookParsed = ConvertFrom-Json -InputObject $__hookbookJson -DateKind String -Depth 1024
    foreach ($p in $__hookbookParsed.PSObject.Properties) { $__hookbookParameters[$p.Name] = $p.Value }
  }
  $__hookbookErrors = $null
  $__hookbookTokens = $null
  $__hookbookAst = [Management.Automation.Language.Parser]::ParseFile($env:HOOKBOOK_SCRIPT, [ref]$__hookbookTokens, [ref]$__hookbookErrors)
  if ($__hookbookErrors) {
    $e = $__hookbookErrors[0]
    throw "The runbook does not parse: line $($e.Extent.StartLineNumber): $($e.Message)"
  }
  # JSON objects arrive as PSCustomObject, which PowerShell will not bind to [hashtable]: convert those.
  foreach ($p in $(if ($__hookbookAst.ParamBlock) { $__hookbookAst.ParamBlock.Parameters })) {
    $n = $p.Name.VariablePath.UserPath
    if ($__hookbookParameters[$n] -is [Management.Automation.PSCustomObject] -and [Collections.IDictionary].IsAssignableFrom($p.StaticType)) {
      $__hookbookParameters[$n] = ConvertTo-Json -InputObject $__hookbookParameters[$n] -Depth 100 -Compress | ConvertFrom-Json -AsHashtable -DateKind String
    }
  }
  $__hookbookRunbook = $__hookbookAst.GetScriptBlock()
  Remove-Variable __hookbookJson, __hookbookParsed, __hookbookErrors, __hookbookTokens, __hookbookAst, p, n -ErrorAction Ignore

  # The runbook starts with Azure Automation's preferences.
  $ErrorActionPreference = 'Continue'
  if ($env:HOOKBOOK_LOG_VERBOSE -eq '1') { $VerbosePreference = 'Continue' }
  & $__hookbookRunbook @__hookbookParameters *>&1 | ForEach-Object { __HookbookRecord $_ }
} catch {
  $ErrorActionPreference = 'Stop'
  $message = $_.Exception.Message
  if ($_.Exception -is [Management.Automation.RuntimeException] -and $_.Exception.WasThrownFromThrowStatement -and $null -ne $_.TargetObject -and $_.TargetObject -isnot [string]) {
    $message = "$($_.TargetObject)"
  }
  __HookbookSend @{ kind = 'exception'; message = $message }
  __HookbookSend @{ kind = 'end'; exitCode = 1 }
  exit 1
}
__HookbookSend @{ kind = 'end'; exitCode = 0 }
exit 0
