{
  "targets": [
    {
      "target_name": "hookbook_native",
      "sources": ["hookbook_native.c"],
      "conditions": [["OS!='linux'", { "type": "none" }]]
    }
  ]
}
