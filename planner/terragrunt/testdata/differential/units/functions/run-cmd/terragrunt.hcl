inputs = {
  echo  = run_cmd("echo", "hello", "world")
  quiet = run_cmd("--terragrunt-quiet", "printf", "a\\nb\\n")
}
