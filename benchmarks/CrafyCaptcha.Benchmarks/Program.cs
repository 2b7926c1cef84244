using BenchmarkDotNet.Running;

if (args is ["pass-latency", ..])
{
    return await CrafyCaptcha.Benchmarks.PassLatency.RunAsync(args);
}

if (args is ["pass-cpu", ..])
{
    return await CrafyCaptcha.Benchmarks.PassCpu.RunAsync(args);
}

if (args is ["pow-native", ..])
{
    return await CrafyCaptcha.Benchmarks.PowNativeVsBrowser.RunAsync(args);
}

if (args is ["bot-cost", ..])
{
    return await CrafyCaptcha.Benchmarks.BotCost.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(CrafyCaptcha.Benchmarks.PassLatency).Assembly).Run(args);
return 0;
