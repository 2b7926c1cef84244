using CrafyCaptcha.Cli;

return await CrafyCommand.RunAsync(args, Console.Out, Console.Error);
