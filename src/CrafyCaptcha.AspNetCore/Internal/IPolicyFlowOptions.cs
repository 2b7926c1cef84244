namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// The flow options the options endpoint creates a flow with for a policy: the policy's own
/// (<see cref="PolicyFlowOptions"/>), or with <see cref="CrafyCaptchaTestCredentials.ForcesPuzzleSecretKey"/>
/// always a puzzle (<see cref="ForcedPuzzleFlowOptions"/>), chosen once when the service is built.
/// </summary>
internal interface IPolicyFlowOptions
{
    FlowOptions For(CrafyFlowPolicy policy, string policyName);
}

/// <summary>The policy's flow options as configured.</summary>
internal sealed class PolicyFlowOptions : IPolicyFlowOptions
{
    public FlowOptions For(CrafyFlowPolicy policy, string policyName) => policy.ToFlowOptions(policyName);
}

/// <summary>The policy's flow options with the mode forced to a puzzle, for the forces-puzzle test key.</summary>
internal sealed class ForcedPuzzleFlowOptions : IPolicyFlowOptions
{
    public FlowOptions For(CrafyFlowPolicy policy, string policyName)
    {
        FlowOptions flow = policy.ToFlowOptions(policyName);
        flow.Mode = FlowMode.Puzzle;
        return flow;
    }
}
