@{
    # Azure Automation's asset cmdlets for Hookbook jobs (docs/assets.md). Same module name as in
    # Azure, so that a runbook that imports it explicitly still runs; normally it autoloads.
    RootModule        = 'Orchestrator.AssetManagement.Cmdlets.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '5f8c6f0e-6a43-4d35-9a8e-2b7f3c1d9e41'
    Author            = 'Hookbook'
    Description       = 'Get-AutomationVariable, Set-AutomationVariable, Get-AutomationPSCredential, Get-AutomationConnection over the Hookbook job token.'
    PowerShellVersion = '7.0'
    FunctionsToExport = @('Get-AutomationVariable', 'Set-AutomationVariable', 'Get-AutomationPSCredential', 'Get-AutomationConnection', 'Get-AutomationCertificate', 'Add-HookbookMask')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
