namespace CrafyCaptcha.AspNetCore.Components.WebAssembly;

/// <summary>
/// The one key under which the server's prerender hands the widget settings (policy name → settings) to WebAssembly
/// through <c>PersistentComponentState</c>. The server writes it (CrafyCaptcha.AspNetCore), the browser reads it.
/// </summary>
internal static class PersistedWidgetSettings
{
    /// <summary>The persisted state's key.</summary>
    public const string Key = "CrafyCaptcha.WidgetSettings";
}
