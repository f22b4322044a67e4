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
  exit 1
}
exit 0
