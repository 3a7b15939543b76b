region   = "us-east-1"
replicas = 3
tags = {
  team = "platform"
}
zones = ["a", "b"]
