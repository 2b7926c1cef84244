using System.Globalization;
using System.Net;
using System.Text;

namespace CrafyCaptcha.Server.Risk;

/// <summary>
/// The Development environment's sentence about a challenge load, for the browser console (the challenge page carries
/// it in <c>data-dev-hint</c>, its script logs it): which rung and why, each reason with what it counted and the setting
/// that governs it, e.g. "escalated to checkbox (risk 0.5 ≥ CheckboxThreshold 0.5): 12 loads from 127.0.0.1 in 10
/// minutes (free: 8, see CrafyChallengeServer:Risk:IpFreeLoads)". Outside Development nothing of it is made or sent.
/// </summary>
internal static class RiskHint
{
    private const string Section = ChallengeRiskOptions.SectionName + ":";

    /// <summary>The sentence for <paramref name="assessment"/> of a load from <paramref name="address"/>.</summary>
    public static string Describe(RiskAssessment assessment, ChallengeRiskOptions options, IPAddress? address)
    {
        string from = address?.ToString() ?? "this client";
        var text = new StringBuilder();
        if (assessment.Refusal is { } refusal)
        {
            text.Append(CultureInfo.InvariantCulture, $"refused ({refusal.Status}): ");
            text.Append(assessment.Reasons.Contains(RiskReasons.VelocityIp) && assessment.Counts is { } c
                ? string.Create(CultureInfo.InvariantCulture, $"{Count(c.IpLoads, "load")} from {from} in {Window(options.VelocityWindow)} (over {Section}IpLoadsRefused = {options.IpLoadsRefused})")
                : $"{from} is in the deny list ({Section}DenyListPath)");
            return text.ToString();
        }

        string step = RiskEngine.StepName(assessment.Step);
        double score = assessment.Score;
        if (assessment.Step == ChallengeStep.Invisible)
        {
            text.Append(CultureInfo.InvariantCulture, $"invisible (risk {score} < {Section}CheckboxThreshold {options.CheckboxThreshold})");
        }
        else if (score >= options.CheckboxThreshold)
        {
            text.Append(CultureInfo.InvariantCulture, $"escalated to {step} (risk {score}; {Section}CheckboxThreshold {options.CheckboxThreshold}, SliderThreshold {options.SliderThreshold}, ConnectThreshold {options.ConnectThreshold})");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"{step} (risk {score}): the flow's policy asks for a puzzle (FlowMode.Puzzle), or a hidden flow at or above {Section}HiddenModeInteractiveThreshold {options.HiddenModeInteractiveThreshold}");
        }

        text.Append(assessment.Reasons.Count == 0 ? "; no risk reasons" : ": ");
        text.AppendJoin("; ", assessment.Reasons.Select(reason => Reason(reason, assessment.Counts, options, from)));
        return text.ToString();
    }

    /// <summary>The sentence for a load refused by the per-minute flood guard (before any assessment).</summary>
    public static string LoadBudget(ChallengeRiskOptions options, IPAddress? address)
        => string.Create(CultureInfo.InvariantCulture, $"refused (429): more than {options.ChallengeLoadsPerMinute} challenge loads a minute from {address?.ToString() ?? "this client"} (see {Section}ChallengeLoadsPerMinute)");

    private static string Reason(string reason, RiskCounts? counts, ChallengeRiskOptions options, string from)
    {
        string window = Window(options.VelocityWindow);
        return (reason, counts) switch
        {
            (RiskReasons.VelocityIp, { } c) => string.Create(CultureInfo.InvariantCulture, $"{Count(c.IpLoads, "load")} from {from} in {window} (free: {options.IpFreeLoads}, see {Section}IpFreeLoads)"),
            (RiskReasons.VelocityNetwork, { } c) => string.Create(CultureInfo.InvariantCulture, $"{Count(c.NetworkLoads, "load")} from the network of {from} in {window} (free: {options.NetworkFreeLoads}, see {Section}NetworkFreeLoads)"),
            (RiskReasons.NetworkRotation, { } c) => string.Create(CultureInfo.InvariantCulture, $"{Count(c.NetworkHosts, "address")} of the network of {from} in {window} (free: {options.NetworkFreeAddresses}, see {Section}NetworkFreeAddresses)"),
            (RiskReasons.RecentFailures, { } c) => string.Create(CultureInfo.InvariantCulture, $"{Count(c.Failures, "refused answer")} from {from} in {window} (free: {options.FreeFailures}, see {Section}FreeFailures)"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{reason} (weight {(options.Weights.TryGetValue(reason, out double w) ? w : 0)}, see {Section}Weights:{reason})"),
        };
    }

    private static string Count(long n, string noun)
        => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? string.Empty : noun.EndsWith('s') ? "es" : "s")}");

    private static string Window(TimeSpan window)
        => window.TotalMinutes >= 1 && window.Seconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{window.TotalMinutes} minute{(window.TotalMinutes == 1 ? string.Empty : "s")}")
            : string.Create(CultureInfo.InvariantCulture, $"{window.TotalSeconds} seconds");
}
