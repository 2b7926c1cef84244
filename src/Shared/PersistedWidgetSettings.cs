namespace CrafyCaptcha.Shared;

/// <summary>
/// The one key under which the server's prerender hands the widget settings (policy name → settings) to WebAssembly
/// through <c>PersistentComponentState</c>. The server writes it (CrafyCaptcha.AspNetCore), the browser reads it
/// (CrafyCaptcha.AspNetCore.Components); both compile this file.
/// </summary>
internal static class PersistedWidgetSettings
{
    /// <summary>The persisted state's key.</summary>
    public const string Key = "CrafyCaptcha.WidgetSettings";
}
