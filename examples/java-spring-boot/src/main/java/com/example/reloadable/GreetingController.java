package com.example.reloadable;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Edit the greeting, `mvn -o compile`, and the synced class answers anew after the reload. */
@RestController
public class GreetingController {

  @GetMapping("/")
  public String greeting() {
    return "hello from spring boot v1\n";
  }
}
