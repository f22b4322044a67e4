# Azure Automation's asset cmdlets, with Azure's names and shapes, for Hookbook jobs:
# reads go to $env:HOOKBOOK_URL with the job token $env:HOOKBOOK_JOB_TOKEN; a job reads only the
# assets its runbook declares in its manifest.

Set-StrictMode -Version 3.0

function Invoke-HookbookAssetApi {
    param([string] $Method, [string] $Path, [object] $Body, [switch] $HasBody)
    if (-not $env:HOOKBOOK_JOB_TOKEN -or -not $env:HOOKBOOK_URL) {
        throw 'No job token: run this inside a Hookbook job (HOOKBOOK_JOB_TOKEN and HOOKBOOK_URL are set there).'
    }
    $request = @{
        Method             = $Method
        Uri                = $env:HOOKBOOK_URL.TrimEnd('/') + '/api/v1/job/' + $Path
        Headers            = @{ Authorization = "Bearer $env:HOOKBOOK_JOB_TOKEN" }
        SkipHttpErrorCheck = $true
    }
    if ($HasBody) {
        $request.ContentType = 'application/json; charset=utf-8'
        $request.Body = [Text.Encoding]::UTF8.GetBytes((@{ value = $Body } | ConvertTo-Json -Depth 32 -Compress))
    }
    $response = Invoke-WebRequest @request
    $text = if ($response.Content -is [byte[]]) { [Text.Encoding]::UTF8.GetString($response.Content) } else { [string] $response.Content }
    $parsed = $null
    if ($text) {
        # Strings that look like dates stay strings (a variable's type says what it is).
        $parsed = if ((Get-Command ConvertFrom-Json).Parameters.ContainsKey('DateKind')) { $text | ConvertFrom-Json -DateKind String } else { $text | ConvertFrom-Json }
    }
    if ($response.StatusCode -ge 400) {
        $detail = if ($parsed -and $parsed.PSObject.Properties['detail']) { $parsed.detail } else { "HTTP $($response.StatusCode)" }
        throw $detail
    }
    $parsed
}

function ConvertTo-AssetName([string] $Name) { [Uri]::EscapeDataString($Name) }

function Get-AutomationVariable {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [string] $Name)
    $v = Invoke-HookbookAssetApi -Method GET -Path ('variables/' + (ConvertTo-AssetName $Name))
    switch ($v.type) {
        'datetime' { [datetime]::Parse([string] $v.value, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind) }
        'int' { if ([math]::Abs([double] $v.value) -le [int]::MaxValue) { [int] $v.value } else { [long] $v.value } }
        'bool' { [bool] $v.value }
        'string' { [string] $v.value }
        default { $v.value }
    }
}

function Set-AutomationVariable {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Mandatory, Position = 1)] [AllowNull()] [object] $Value
    )
    $plain = if ($Value -is [datetime]) { $Value.ToUniversalTime().ToString('o') } else { $Value }
    $result = Invoke-HookbookAssetApi -Method PUT -Path ('variables/' + (ConvertTo-AssetName $Name)) -Body $plain -HasBody
    if ($result.encrypted) {
        Add-HookbookMask -Value $(if ($plain -is [string]) { $plain } else { $plain | ConvertTo-Json -Depth 32 -Compress })
    }
}

function Get-AutomationPSCredential {
    [CmdletBinding()]
    [OutputType([pscredential])]
    param([Parameter(Mandatory, Position = 0)] [string] $Name)
    $c = Invoke-HookbookAssetApi -Method GET -Path ('credentials/' + (ConvertTo-AssetName $Name))
    $secure = ConvertTo-SecureString -String $c.password -AsPlainText -Force
    [pscredential]::new($c.userName, $secure)
}

function Get-AutomationConnection {
    [CmdletBinding()]
    [OutputType([hashtable])]
    param([Parameter(Mandatory, Position = 0)] [string] $Name)
    $c = Invoke-HookbookAssetApi -Method GET -Path ('connections/' + (ConvertTo-AssetName $Name))
    $fields = @{}
    foreach ($p in $c.fields.PSObject.Properties) { $fields[$p.Name] = $p.Value }
    $fields
}

function Get-AutomationCertificate {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [string] $Name)
    throw "Certificate assets are not supported by Hookbook (asked for '$Name'); store the certificate as an encrypted variable or a connection field."
}

function Add-HookbookMask {
    # Hide a value in this job's output from now on (the ::add-mask:: directive, never stored).
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [string] $Value)
    [Console]::Out.WriteLine("::add-mask::$Value")
    [Console]::Out.Flush()
}
