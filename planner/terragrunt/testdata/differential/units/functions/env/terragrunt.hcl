inputs = {
  set          = get_env("CSOCBOT_DIFF_NAME")
  set_default  = get_env("CSOCBOT_DIFF_NAME", "unused")
  unset        = get_env("CSOCBOT_DIFF_UNSET", "default")
  empty        = get_env("CSOCBOT_DIFF_EMPTY", "default-for-empty")
  unset_nodef  = get_env("CSOCBOT_DIFF_UNSET", "")
}
