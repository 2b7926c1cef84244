namespace CrafyCaptcha.Server.Risk;

/// <summary>The rungs of the escalation ladder, in order of friction.</summary>
internal enum ChallengeStep
{
    /// <summary>Proof-of-work only, no interaction.</summary>
    Invisible = 0,

    /// <summary>A checkbox, with the pointer or keyboard trail as evidence.</summary>
    Checkbox = 1,

    /// <summary>The slider puzzle (shown as the checkbox until the puzzle exists).</summary>
    Slider = 2,

    /// <summary>The connect puzzle (shown as the checkbox until the puzzle exists).</summary>
    Connect = 3,
}
