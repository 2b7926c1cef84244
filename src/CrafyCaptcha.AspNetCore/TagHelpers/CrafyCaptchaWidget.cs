namespace CrafyCaptcha.AspNetCore.TagHelpers;

/// <summary>What one widget on a page asks for (from the tag helper's attributes).</summary>
internal sealed class CrafyCaptchaWidget
{
    public string? Policy { get; init; }

    public string? Theme { get; init; }

    public string? InputName { get; init; }

    public bool AutoLoad { get; init; } = true;

    public IReadOnlyDictionary<string, string?> Style { get; init; } = new Dictionary<string, string?>();
}
