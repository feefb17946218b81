using System.CommandLine;
using SwarmMerge.Cli;

var root = new RootCommand("SwarmMerge: merge fine-tuned experts of one base model into a single model.");
root.Subcommands.Add(MergeCommand.Create());
return root.Parse(args).Invoke();
