"""An AWSTOE-compatible component runner: the interpreter of component documents (phases, steps,
loops, conditions, parameters, chaining) runs on the host and drives an `Executor` for the target
(the local machine, a container, a VM) with POSIX sh scripts and file transfers."""
